"""Dosing as data: doses and their events (``dose``), regimens (``regimen``), regimen files
(``parse``) and the named regimens (``named``)."""

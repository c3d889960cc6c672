"""Treatment protocols: induction, maintenance policies, re-induction, compared on virtual populations."""

from ketasim.protocols.spec import Protocol, load_protocol, parse_protocol

__all__ = ["Protocol", "load_protocol", "parse_protocol"]

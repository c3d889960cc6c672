"""Treatment protocols: induction, maintenance policies, re-induction, compared on virtual populations."""

from ketasim.protocols.load import load_protocol, parse_protocol
from ketasim.protocols.spec import Protocol

__all__ = ["Protocol", "load_protocol", "parse_protocol"]

"""A few MathML (content markup) builders for the SBML writer, as plain strings.

SBML Level 3 carries every formula as MathML. The writer builds its formulas
from these helpers so that ketasim can export without libsbml installed
(libsbml and libroadrunner are test tools here, not runtime dependencies).
Numbers carry an ``sbml:units`` attribute so that libsbml can check units.

>>> plus(ci("x"), cn(1))
'<apply><plus/><ci> x </ci><cn type="integer" sbml:units="dimensionless"> 1 </cn></apply>'
"""

from __future__ import annotations

__all__ = [
    "MATHML_NS",
    "SBML_NS",
    "abs_",
    "ci",
    "cn",
    "divide",
    "exp",
    "gt",
    "lt",
    "math",
    "minus",
    "neg",
    "piecewise",
    "plus",
    "power",
    "tanh",
    "time",
    "times",
]

SBML_NS = "http://www.sbml.org/sbml/level3/version2/core"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
_TIME_URL = "http://www.sbml.org/sbml/symbols/time"


def math(expr: str) -> str:
    """Wraps one expression in the ``<math>`` element SBML expects."""
    return f'<math xmlns="{MATHML_NS}" xmlns:sbml="{SBML_NS}">{expr}</math>'


def ci(name: str) -> str:
    return f"<ci> {name} </ci>"


def cn(value: float, units: str = "dimensionless") -> str:
    """A number with its SBML units; integers stay integers, reals keep every digit."""
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 2**53):
        return f'<cn type="integer" sbml:units="{units}"> {int(value)} </cn>'
    text = repr(float(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f'<cn type="e-notation" sbml:units="{units}"> {mantissa} <sep/> {int(exponent)} </cn>'
    return f'<cn sbml:units="{units}"> {text} </cn>'


def time() -> str:
    """The simulation time (the model's time units)."""
    return f'<csymbol encoding="text" definitionURL="{_TIME_URL}"> time </csymbol>'


def _apply(op: str, *args: str) -> str:
    return f"<apply><{op}/>{''.join(args)}</apply>"


def plus(*terms: str) -> str:
    """Sum of the terms; a single term is returned as it is."""
    if not terms:
        raise ValueError("plus needs at least one term")
    return terms[0] if len(terms) == 1 else _apply("plus", *terms)


def times(*factors: str) -> str:
    if not factors:
        raise ValueError("times needs at least one factor")
    return factors[0] if len(factors) == 1 else _apply("times", *factors)


def minus(a: str, b: str) -> str:
    return _apply("minus", a, b)


def divide(a: str, b: str) -> str:
    return _apply("divide", a, b)


def power(a: str, b: str) -> str:
    return _apply("power", a, b)


def exp(a: str) -> str:
    return _apply("exp", a)


def tanh(a: str) -> str:
    return _apply("tanh", a)


def neg(a: str) -> str:
    return _apply("minus", a)


def abs_(a: str) -> str:
    return _apply("abs", a)


def gt(a: str, b: str) -> str:
    return _apply("gt", a, b)


def lt(a: str, b: str) -> str:
    return _apply("lt", a, b)


def piecewise(value: str, condition: str, otherwise: str) -> str:
    """``value`` where ``condition`` holds, else ``otherwise``."""
    return f"<piecewise><piece>{value}{condition}</piece><otherwise>{otherwise}</otherwise></piecewise>"

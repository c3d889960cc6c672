"""SBO terms, model history and notes of the SBML export (docs/decisions/0026-sbml-annotations.md).

The file has no species, compartments or reactions (states are parameters with
rate rules, decision 0005), so SBO terms go on the model (its framework) and
on the parameters. Every constant parameter carries a term of the branch
"quantitative systems description parameter" (SBO:0000002), at least that
root; a variable parameter carries one only where a term says what it is (an
amount, a fraction, a concentration, a switch).

The model history is deterministic: the creator is the project and the dates
are the ``created`` date of the calibrated set shipped with the package, never
the wall clock, so the same inputs always give the same file.

>>> sbo_term("TAU_G", "hour", constant=True, pk_states=())
348
>>> sbo_term("madrs", "dimensionless", constant=False, pk_states=()) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Collection
from xml.sax.saxutils import escape

from ketasim.io.sbml_layout import POOLS
from ketasim.model import Model

__all__ = ["MODEL_META_ID", "MODEL_SBO", "history_date", "model_annotation", "sbo_attribute", "sbo_term"]

#: metaid of the model element, the subject of its RDF annotation
MODEL_META_ID = "ketasim_model"
#: deterministic non-spatial continuous framework
MODEL_SBO = 675
#: given name, family name, organisation: the package names no people, so the creator is the project
CREATOR = ("ketasim", "contributors", "ketasim project")
#: NCBI taxonomy of the modelled organism (human)
TAXON = "http://identifiers.org/taxonomy/9606"

_QUANTITATIVE = 2  # quantitative systems description parameter (the branch's root)
_AMOUNT = 361  # amount of an entity pool
_FRACTION = 540  # fraction of an entity pool
_FIRST_ORDER = 35  # forward unimolecular rate constant, continuous case
_KINETIC = 9  # kinetic constant
_ZERO_ORDER = 48  # forward zeroth order rate constant, continuous case
_TIME_CONSTANT = 348  # exponential time constant
_HILL_COEFFICIENT = 190
_HILL_CONSTANT = 191
_PROPORTIONALITY = 381  # biochemical proportionality coefficient
_SWITCH = 390  # boolean switch
_MOLAR = 472  # molar concentration of an entity
_CONCENTRATION = 196  # concentration of an entity pool (mass concentration here)

#: Terms by exact id (states, intermediate quantities, the constants that a unit alone does not name).
_BY_ID = {
    **dict.fromkeys(POOLS, _FRACTION),  # shares of the spine deficit
    "O_int": _FRACTION, "O_pyr": _FRACTION,  # receptor occupancies
    "C_s": _MOLAR, "C_hnk": _MOLAR,
    "H_INT": _HILL_COEFFICIENT, "N_PYR": _HILL_COEFFICIENT, "M_TH": _HILL_CONSTANT,
    "ampa": _SWITCH, "new_ad": _SWITCH, "ad_on": _SWITCH,
    "K_TOL": _KINETIC,
    **dict.fromkeys(
        ("S_PYR", "GMAX", "W_E", "W_HNK", "A_W", "A_W_SI", "W_SAT", "g", "sigma", "placebo", "ad_max",
         "phi", "beta_bz"),
        _PROPORTIONALITY,
    ),
}  # fmt: skip
#: Terms by id prefix (per-patient values; naming in :mod:`ketasim.io.sbml`).
_BY_PREFIX = (
    ("TAU_", _TIME_CONSTANT), ("bolus_", _AMOUNT), ("rate_", _ZERO_ORDER), ("C_plasma_", _CONCENTRATION),
    ("wq__", _PROPORTIONALITY), ("ws__", _PROPORTIONALITY), ("wh__", _PROPORTIONALITY),
    ("wp_", _PROPORTIONALITY), ("expect_", _PROPORTIONALITY),
)  # fmt: skip
#: Terms of the remaining constants by their units.
_BY_UNITS = {"hour": _TIME_CONSTANT, "per_hour": _FIRST_ORDER}


def sbo_term(pid: str, units: str, *, constant: bool, pk_states: Collection[str]) -> int | None:
    """The SBO term of one SBML parameter, or None where no term says what a variable is.

    ``pk_states`` are the PK state ids (amounts in mg). A PK matrix entry
    ``A__<to>__<from>`` off the diagonal is a first-order transfer rate
    constant; on the diagonal it is minus the sum of the rates out of the
    state, a kinetic constant but not a forward rate constant.
    """
    if pid in pk_states:
        return _AMOUNT
    if pid.startswith("A__"):
        to, _, frm = pid[3:].partition("__")
        return _KINETIC if to == frm else _FIRST_ORDER
    if pid in _BY_ID:
        return _BY_ID[pid]
    for prefix, term in _BY_PREFIX:
        if pid.startswith(prefix):
            return term
    if constant:
        return _BY_UNITS.get(units, _QUANTITATIVE)
    return None


def sbo_attribute(term: int | None) -> str:
    """`` sboTerm="SBO:0000348"`` (with its leading space), or nothing."""
    return "" if term is None else f' sboTerm="SBO:{term:07d}"'


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")


def history_date(model: Model) -> str | None:
    """W3C date-time of the model's values: the ``created`` date of the calibrated set it carries.

    The library priors (or a set not shipped with the package) take the date of
    the package's current set. None where the package ships no set, or its date
    is not a W3C date: the file then has no history rather than a made-up one.
    """
    from ketasim.library.calibrated import DIR, load, load_current

    shipped = DIR / f"{model.calibration}.json" if model.calibration else None
    cal = load(shipped) if shipped is not None and shipped.is_file() else load_current()
    if cal is None:
        return None
    if _DATE.fullmatch(cal.created):
        return f"{cal.created}T00:00:00Z"
    return cal.created if _DATETIME.fullmatch(cal.created) else None


def model_annotation(description: str, created: str | None) -> list[str]:
    """The model's ``notes`` (``description``, XHTML) and RDF annotation: creator, dates, taxon."""
    rdf_ns = (
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:vCard4="http://www.w3.org/2006/vcard/ns#" xmlns:bqbiol="http://biomodels.net/biology-qualifiers/"'
    )
    out = [
        '    <notes><body xmlns="http://www.w3.org/1999/xhtml">',
        f"      <p>{escape(description)}</p>",
        "    </body></notes>",
        "    <annotation>",
        f"      <rdf:RDF {rdf_ns}>",
        f'        <rdf:Description rdf:about="#{MODEL_META_ID}">',
    ]
    if created is not None:
        given, family, org = (escape(x) for x in CREATOR)
        out += [
            '          <dcterms:creator><rdf:Bag><rdf:li rdf:parseType="Resource">',
            '            <vCard4:hasName rdf:parseType="Resource">',
            f"              <vCard4:family-name>{family}</vCard4:family-name>",
            f"              <vCard4:given-name>{given}</vCard4:given-name>",
            "            </vCard4:hasName>",
            f"            <vCard4:organization-name>{org}</vCard4:organization-name>",
            "          </rdf:li></rdf:Bag></dcterms:creator>",
            *(
                f'          <dcterms:{kind} rdf:parseType="Resource">'
                f"<dcterms:W3CDTF>{created}</dcterms:W3CDTF></dcterms:{kind}>"
                for kind in ("created", "modified")
            ),
        ]
    out += [
        f'          <bqbiol:hasTaxon><rdf:Bag><rdf:li rdf:resource="{TAXON}"/></rdf:Bag></bqbiol:hasTaxon>',
        "        </rdf:Description>",
        "      </rdf:RDF>",
        "    </annotation>",
    ]
    return out

"""mTORC1 pulse and synaptic proteins after ketamine: Li et al. 2010.

Li N, Lee B, Liu RJ, et al. mTOR-dependent synapse formation underlies the
rapid antidepressant effects of NMDA antagonists. Science 2010;329(5994):959-964.
doi:10.1126/science.1190287. Abstract: ketamine "rapidly activated the mTOR
pathway, leading to increased synaptic signaling proteins and increased number
and function of new spine synapses". Timings (not re-read here; from the
figures as usually quoted): p-mTOR, p-p70S6K, p-4E-BP1 up at 30-60 min and back
by 2 h; synaptic proteins (PSD95, GluA1, synapsin I) up from 2 h to ~72 h.
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_LI = src(
    "Li 2010 Science 329:959",
    "figure timings as quoted (not re-read)",
    Evidence.SECONDARY,
    doi="10.1126/science.1190287",
)

PARAMETERS = ParameterSet(
    name="Li_2010_ketamine_mtor",
    title="mTORC1 activity and synaptic-protein time constants",
    citation="Li N et al. Science 2010;329(5994):959-964",
    doi="10.1126/science.1190287",
    parameters=(
        param(
            "TAU_M",
            0.5,
            "h",
            (0.1, 2.0),
            "mTORC1 activity time constant (back by 2 h)",
            _LI,
            placeholder=True,
        ),
        param(
            "TAU_P",
            36.0,
            "h",
            (6.0, 96.0),
            "synaptic-protein time constant (up 2-72 h)",
            _LI,
            placeholder=True,
        ),
    ),
)

"""Shot analysis: tomography data, state estimators, bootstrap errors, figures of merit.

Typical use, with counts from :func:`qbexp.circuits.measure.tomography_circuits`::

    data = tomography_data({label: result.get_counts(circuit) for label, circuit in circuits})
    figures = estimate_figures(data, model.battery_hamiltonian, exact_state=rho, seed=1)
    figures["ergotropy"]  # {"value", "stderr", "ci95": [lo, hi], "plug_in", "bias"}

Readout-error mitigation: :mod:`qbexp.analysis.readout` (``readout=`` of
:func:`estimate_figures` and :func:`work_extracted`).
"""

from qbexp.analysis.bootstrap import (
    DEFAULT_RESAMPLES,
    calibrated_summary,
    denoised_reference,
    percentile_summary,
    resampled_states,
    simulated_states,
)
from qbexp.analysis.estimators import (
    ESTIMATORS,
    MLEResult,
    born_probabilities,
    fit_states,
    linear_inversion,
    maximum_likelihood,
    project_to_states,
    projected_linear_inversion,
)
from qbexp.analysis.figures import FIGURES, METHODS, estimate_figures, figure_functions, work_extracted
from qbexp.analysis.readout import (
    ReadoutCalibration,
    ReadoutModel,
    apply_assignment,
    assignment_matrices,
    mitigate_counts,
)
from qbexp.analysis.tomography_data import (
    TomographyData,
    histogram_counts,
    setting_labels,
    simulate_counts,
    tomography_data,
)

__all__ = [
    "DEFAULT_RESAMPLES",
    "ESTIMATORS",
    "FIGURES",
    "METHODS",
    "MLEResult",
    "ReadoutCalibration",
    "ReadoutModel",
    "TomographyData",
    "apply_assignment",
    "assignment_matrices",
    "born_probabilities",
    "calibrated_summary",
    "denoised_reference",
    "estimate_figures",
    "figure_functions",
    "fit_states",
    "histogram_counts",
    "linear_inversion",
    "maximum_likelihood",
    "mitigate_counts",
    "percentile_summary",
    "project_to_states",
    "projected_linear_inversion",
    "resampled_states",
    "setting_labels",
    "simulate_counts",
    "simulated_states",
    "tomography_data",
    "work_extracted",
]

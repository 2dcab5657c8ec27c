"""The paper's model (Kou, Chen, Gu 2023, Section 3): a two-layer ReLU / leaky-ReLU network with a
fixed second layer, trained by gradient descent on the logistic loss, with the data-correlated
decomposition ``rho`` (Def. 5.1) tracked. ``sim`` knows nothing of ``theorems``."""

from . import data
from .activation import sigma, sigma_prime
from .data import (Dataset, digits_binary, gaussian_mixture, mnist_binary, nearly_orthogonal,
                   orthogonal, read_idx, standard_basis)
from .errors import ProblemError, TrajectoryFileError
from .problem import Problem, log_checkpoints
from .simulate import ENGINES, simulate
from .trajectory import Trajectory, logistic_loss, network_output

__all__ = ["Dataset", "ENGINES", "Problem", "ProblemError", "Trajectory", "TrajectoryFileError", "data",
           "digits_binary", "gaussian_mixture", "log_checkpoints", "logistic_loss", "mnist_binary",
           "nearly_orthogonal", "network_output", "orthogonal", "read_idx", "sigma", "sigma_prime",
           "simulate", "standard_basis"]

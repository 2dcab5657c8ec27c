"""Error types: a bad problem description, and a file that is not a saved trajectory."""


class ProblemError(ValueError):
    """A problem description (data, hyperparameters, horizon, engine, device) is invalid.

    Raised at construction, before anything is simulated, with one sentence naming the bad value.
    """


class TrajectoryFileError(ValueError):
    """A file given to :meth:`sim.Trajectory.load` is not a complete, consistent saved trajectory
    (not an ``.npz`` archive, truncated, a member missing, wrong shapes, NaN values). The message
    names the file and what is wrong."""

"""The one error type for a bad problem description."""


class ProblemError(ValueError):
    """A problem description (data, hyperparameters, horizon, engine, device) is invalid.

    Raised at construction, before anything is simulated, with one sentence naming the bad value.
    """

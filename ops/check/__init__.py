"""``python -m ops.check``: whether a deployment is configured to work, before customers notice.

- :mod:`ops.check.problems`: ``Problem`` (printed ``file: key: problem``) and ``Report``.
- :mod:`ops.check.settings`: handoff.yml through the settings loader, plus what it must accept
  but is almost certainly a slip.
- :mod:`ops.check.files`: credentials.yml and endpoints.yml, every ``${VAR}``, the types.
- :mod:`ops.check.reach`: the stores, the event broker and the action server answer.
- :mod:`ops.check.online`: ``--online``, the channel APIs accept the tokens.
- :mod:`ops.check.cli`: the command; ``make run`` runs :func:`offline_problems` first.
"""

from ops.check.cli import main, offline_problems
from ops.check.problems import Problem, Report

__all__ = ["Problem", "Report", "main", "offline_problems"]

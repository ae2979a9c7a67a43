"""``handoff.yml``: validated by the project's settings loader, then checked as a whole.

The loader (:func:`handoff.settings.parse_settings`) rejects what can never work and names the
key. What it must accept, because it is sometimes meant, is reported here when it is
almost certainly a slip:

- a team that handoffs are routed to (``routing.default_team``, ``routing.topics``,
  ``routing.reasons``) with no ``hours`` key while other teams keep business hours: it would
  take handoffs around the clock and customers would wait at night. A team that really is
  always there says so with ``hours: null``.
- an environment variable the file names (``desk.helpdesk.token_env``,
  ``desk.notifications[].url_env``) that is not set: tickets or notifications would be
  dropped at the first handoff instead of at start-up.
- a guided path (``routing.handling``) whose form or action, or intro response, is not in the
  project's domain.yml: ``action_handoff`` would hand those customers over instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping, Set

from handoff.settings import HandoffSettings, SettingsError, parse_settings
from ops.check.problems import FILE_KEY, Problem, Report
from ops.config_files import ConfigFileError, read_yaml
from ops.model import PROJECT_ROOT

DEFAULT_DOMAIN = PROJECT_ROOT / "domain.yml"


def check_settings(path: Path, env: Mapping[str, str], domain: Path = DEFAULT_DOMAIN) -> Report:
    """Validate ``path`` with the settings loader; return each problem with its key.

    ``domain`` is the domain.yml the guided paths of ``routing.handling`` must exist in.
    """
    file = str(path)
    try:
        raw = read_yaml(path)
    except ConfigFileError as error:
        return Report([Problem(error.file, error.key, error.problem)], [])
    try:
        settings = parse_settings(raw, file)
    except SettingsError as error:
        return Report([_from_loader(line, file) for line in str(error).splitlines()], [])
    problems = _teams_without_hours(settings, raw, file) + _unset_variables(settings, env, file)
    problems += _guided_paths_not_in_domain(settings, domain, file)
    return Report(problems, [f"{file} valid"])


def _from_loader(line: str, file: str) -> Problem:
    """Split the loader's ``file: key: message`` line (its one format for key errors)."""
    rest = line[len(file) + 2 :] if line.startswith(f"{file}: ") else line
    key, separator, message = rest.partition(": ")
    if not separator:
        return Problem(file, FILE_KEY, rest)
    return Problem(file, key or FILE_KEY, message)


def _routed_teams(settings: HandoffSettings) -> Dict[str, List[str]]:
    """Return ``team -> the keys that send handoffs there``."""
    routing = settings.routing
    routes: Dict[str, List[str]] = {routing.default_team: ["routing.default_team"]}
    for topic, team in routing.topics.items():
        routes.setdefault(team, []).append(f"routing.topics.{topic}")
    for reason, team in routing.reasons.items():
        routes.setdefault(team, []).append(f"routing.reasons.{reason.value}")
    return routes


def _teams_without_hours(settings: HandoffSettings, raw: Any, file: str) -> List[Problem]:
    teams = settings.routing.teams
    if not any(team.hours for team in teams.values()):
        return []  # nobody keeps hours: every team is there around the clock, on purpose
    written = ((raw.get("routing") or {}).get("teams") or {}) if isinstance(raw, dict) else {}
    problems = []
    for name, keys in _routed_teams(settings).items():
        team_yaml = written.get(name)
        hours_written = isinstance(team_yaml, dict) and "hours" in team_yaml
        if teams[name].hours is None and not hours_written:
            problems.append(
                Problem(
                    file,
                    f"routing.teams.{name}.hours",
                    f"missing, though {', '.join(keys)} routes handoffs here and other teams "
                    "keep business hours: this team would take handoffs around the clock "
                    "(add its hours, or write `hours: null` if it really is always there)",
                )
            )
    return problems


def _unset_variables(settings: HandoffSettings, env: Mapping[str, str], file: str) -> List[Problem]:
    named: Dict[str, str] = {}
    if settings.desk.helpdesk is not None:
        named["desk.helpdesk.token_env"] = settings.desk.helpdesk.token_env
    for index, target in enumerate(settings.desk.notifications):
        named[f"desk.notifications[{index}].url_env"] = target.url_env
    reported: Set[str] = set()
    problems = []
    for key, variable in named.items():
        if not env.get(variable) and variable not in reported:
            reported.add(variable)
            problems.append(Problem(file, key, f"the environment variable {variable} is not set"))
    return problems


def _guided_paths_not_in_domain(
    settings: HandoffSettings, domain: Path, file: str
) -> List[Problem]:
    paths = settings.routing.handling.guided_paths()
    if not paths:
        return []
    try:
        written = read_yaml(domain)
    except ConfigFileError as error:
        return [Problem(error.file, error.key, error.problem)]
    written = written if isinstance(written, dict) else {}
    runnable = set(written.get("forms") or {}) | set(written.get("actions") or [])
    responses = set(written.get("responses") or {})
    problems = []
    for key, choice in paths.items():
        where = f"routing.handling.{key}"
        if choice.path not in runnable:
            problems.append(
                Problem(file, where, f"guided: {choice.path!r} is not a form or action in {domain}")
            )
        if choice.intro is not None and choice.intro not in responses:
            problems.append(
                Problem(file, where, f"intro: {choice.intro!r} is not a response in {domain}")
            )
    return problems

"""The production start-up checks on real Rasa apps (the server itself: test_production_config)."""

import pytest
from rasa import server
from rasa.core.channels.rest import RestInput
from rasa.core.run import _create_app_without_api
from sanic import Sanic

from connectors.agent_desk.channel import AgentDeskInput
from connectors.production_guard import UnsafeDeployment, check_deployment
from connectors.trial_rest import TrialRestInput


@pytest.fixture(autouse=True)
def several_apps(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)  # Rasa names every app "rasa_server"


def test_the_http_api_without_a_token_is_refused():
    with pytest.raises(UnsafeDeployment, match="--auth-token"):
        check_deployment(server.create_app(auth_token=None))


def test_the_http_api_with_a_token_or_jwt_or_no_api_at_all_may_start():
    check_deployment(server.create_app(auth_token="s3cret-token-for-the-api"))
    check_deployment(
        server.create_app(auth_token=None, jwt_secret="jwt-secret", jwt_method="HS256")
    )
    check_deployment(_create_app_without_api())


def test_a_channel_where_the_caller_picks_the_sender_is_refused():
    app = server.create_app(auth_token="s3cret-token-for-the-api")
    app.ctx.input_channels = [AgentDeskInput(api_token="x"), RestInput()]
    with pytest.raises(UnsafeDeployment, match="'rest'"):
        check_deployment(app)
    app.ctx.input_channels = [TrialRestInput()]  # the trial's REST channel: trials only
    with pytest.raises(UnsafeDeployment, match="'rest'"):
        check_deployment(app)
    app.ctx.input_channels = [AgentDeskInput(api_token="x")]
    check_deployment(app)

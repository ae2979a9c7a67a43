"""The action server's shared HTTP session is closed when the server stops (the rasa_sdk plugin)."""

import asyncio

import aiohttp
import pluggy
import rasa_sdk.plugin
from sanic import Sanic
from sanic.response import json

import rasa_sdk_plugins
from handoff.clients.sessions import loop_session


def test_the_plugin_closes_the_session_actions_used_when_the_action_server_stops():
    used = []

    async def scenario():
        app = Sanic("action_server_plugin_test")

        @app.post("/webhook")
        async def webhook(request):
            used.append(loop_session())  # what a DeskClient calls through during a run
            return json({"events": []})

        manager = pluggy.PluginManager("rasa_sdk")  # as rasa_sdk.plugin.plugin_manager() does
        manager.add_hookspecs(rasa_sdk.plugin)
        rasa_sdk_plugins.init_hooks(manager)
        manager.hook.attach_sanic_app_extensions(app=app)

        server = await app.create_server(
            host="127.0.0.1", port=0, return_asyncio_server=True, access_log=False
        )
        await server.startup()
        await server.before_start()
        await server.after_start()
        port = server.server.sockets[0].getsockname()[1]
        async with aiohttp.ClientSession() as client:
            for _ in range(2):
                async with client.post(f"http://127.0.0.1:{port}/webhook", json={}) as answer:
                    assert answer.status == 200
        open_while_serving = not used[0].closed
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
        return open_while_serving

    assert asyncio.run(scenario())
    assert used[0] is used[1]  # one session for every run on the loop
    assert used[0].closed

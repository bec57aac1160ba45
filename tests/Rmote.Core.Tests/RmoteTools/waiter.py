"""Waiting on a host, as a tool written for rmote: async methods on the runtime's event loop."""
import asyncio
import os

from rmote.protocol import Tool


class Waiter(Tool):
    poll_seconds = 0.02

    @classmethod
    async def wait_for_file(cls, path: str, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not os.path.exists(path):
            if loop.time() > deadline:
                return False
            await asyncio.sleep(cls.poll_seconds)
        return True

    @staticmethod
    async def run_all(commands: list) -> list:
        async def run(command):
            child = await asyncio.create_subprocess_shell(
                command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
            out, _ = await child.communicate()
            return {"command": command, "code": child.returncode, "stdout": out.decode()}
        return list(await asyncio.gather(*(run(c) for c in commands)))

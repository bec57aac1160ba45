"""Host facts, as a tool written for rmote: dataclass results, enums, class variables, a nested class, inheritance."""
import enum
import os
import platform
from dataclasses import dataclass, field
from typing import List

from rmote.protocol import Tool


class Family(enum.Enum):
    LINUX = "linux"
    OTHER = "other"


@dataclass
class Disk:
    path: str
    total_bytes: int
    free_bytes: int


@dataclass
class Facts:
    hostname: str
    family: Family
    python: List[int]
    disks: List[Disk] = field(default_factory=list)
    schema: int = 0


class BaseFacts(Tool):
    SCHEMA = 3

    @staticmethod
    def family() -> Family:
        return Family.LINUX if platform.system() == "Linux" else Family.OTHER


class HostFacts(BaseFacts):
    class Limits:
        MAX_DISKS = 2

    @classmethod
    def collect(cls, paths: List[str]) -> Facts:
        disks = []
        for path in paths[: cls.Limits.MAX_DISKS]:
            st = os.statvfs(path)
            disks.append(Disk(path, st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize))
        python = [int(part) for part in platform.python_version_tuple()[:2]]
        return Facts(platform.node(), cls.family(), python, disks, cls.SCHEMA)

    def schema(self) -> int:
        return self.SCHEMA

"""Who is typing, per topic: kept by each hub from ``typing.start`` / ``typing.stop`` events
and cleared by the hub itself LIVE["TYPING_EXPIRES"] seconds (5) after the last signal. No client timers: the
page only sends a signal (at most every 2 s while typing) and shows what the server pushes."""

from __future__ import annotations

import time

from django.conf import settings

from live.registry import render


def region_id(topic: str) -> str:
    return "typing-" + topic.replace(".", "-")


class Typing:
    def __init__(self) -> None:
        self.typers: dict[str, dict[int, tuple[str, float]]] = {}  # topic -> user -> (name, until)

    def start(self, topic: str, user_id: int, name: str) -> bool:
        """Returns whether the list of names changed."""
        typers = self.typers.setdefault(topic, {})
        changed = user_id not in typers
        typers[user_id] = (name, time.monotonic() + settings.LIVE["TYPING_EXPIRES"])
        return changed

    def stop(self, topic: str, user_id: int) -> bool:
        return self.typers.get(topic, {}).pop(user_id, None) is not None

    def expire(self) -> list[str]:
        """Drop stale signals; returns the topics whose list changed."""
        now, changed = time.monotonic(), []
        for topic, typers in self.typers.items():
            stale = [user for user, (_name, until) in typers.items() if until <= now]
            for user in stale:
                del typers[user]
            if stale:
                changed.append(topic)
        return changed

    def frame_for(self, topic: str, viewer_id: int, language: str, cache: dict[tuple[int, str], str]) -> str:
        """The indicator as ``viewer_id`` sees it: everybody typing but themselves."""
        typers = self.typers.get(topic, {})
        key = (viewer_id if viewer_id in typers else 0, language)
        if key not in cache:
            names = sorted(name for user, (name, _until) in typers.items() if user != viewer_id)
            cache[key] = render(
                "live/typing.html", {"id": region_id(topic), "names": names, "oob": True}, language=language
            )
        return cache[key]

"""The live engine: publish events after commit, fan them out once per server process, and
push server-rendered htmx fragments to every open page. See docs/architecture.md."""

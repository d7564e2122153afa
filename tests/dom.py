"""A model of a page's DOM as htmx 2's ws extension leaves it, for comparing what a client
shows with a fresh render of the database.

:class:`Page` applies every frame a socket receives with htmx's out-of-band semantics
(``oobSwap`` in htmx 2.0): for each top-level element of the frame, by its ``id``,

- ``hx-swap-oob="true"`` (or ``outerHTML``): the element replaces the one with that id;
- ``afterbegin`` / ``beforeend``: the element's *children* go first / last into it
  (``innerHTML``, ``textContent``: replace what it holds; ``beforebegin``, ``afterend``: go
  beside it; ``none``: nothing);
- ``delete``: the element with that id is removed;
- a target that is not on the page is htmx's ``htmx:oobErrorNoTarget``: counted in
  ``no_target``, and the fragment is dropped, as htmx drops it.

A page built from its HTTP render (``Page(html)``) starts as the browser's does, and a missing
target is always an error. A page built from nothing (``Page()``, e.g. to read one snapshot)
adds a region replaced (``true``) that is not there yet at the top level and lists it in
``appeared``. An insert that puts an id on the page a second time is counted in
``duplicates`` (the page would show it twice).

:meth:`Page.board` reads a board's Open and Done lists (ids in order), their counters and
each card's markup, which is what the fault tests compare.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
INSERTS = {"afterbegin", "beforeend", "innerHTML", "textContent"}  # into the target
SIBLINGS = {"beforebegin", "afterend"}  # beside it


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)
    _canonical: str | None = field(default=None, repr=False)

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    def clone(self, parent: Node | None = None) -> Node:
        node = Node(self.tag, dict(self.attrs), [], parent)
        node.children = [child.clone(node) if isinstance(child, Node) else child for child in self.children]
        return node

    def elements(self) -> list[Node]:
        return [child for child in self.children if isinstance(child, Node)]

    def walk(self) -> Iterator[Node]:
        """This node and every element below it."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(child for child in node.children if isinstance(child, Node))

    def text(self) -> str:
        parts: list[str] = []
        stack: list[Node | str] = [self]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                parts.append(item)
            else:
                stack.extend(reversed(item.children))
        return " ".join(" ".join(parts).split())

    def canonical(self) -> str:
        """The markup with attributes sorted and whitespace collapsed, hx-swap-oob left out
        (htmx removes it when it swaps). Kept until something below changes."""
        if self._canonical is None:
            attrs = "".join(
                f' {name}="{value}"' if value is not None else f" {name}"
                for name, value in sorted(self.attrs.items())
                if name != "hx-swap-oob"
            )
            inner = "".join(
                child.canonical() if isinstance(child, Node) else " ".join(child.split())
                for child in self.children
            )
            self._canonical = f"<{self.tag}{attrs}>{inner}</{self.tag}>"
        return self._canonical

    def changed(self) -> None:
        node: Node | None = self
        while node is not None:
            node._canonical = None
            node = node.parent


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#fragment", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), parent=self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs), parent=self.stack[-1]))  # <path/> in svg

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.stack[-1].children.append(data)


_parsed: OrderedDict[str, list[Node]] = OrderedDict()


def parse(frame: str) -> list[Node]:
    """The top-level elements of ``frame``, freshly copied (the parse of a frame is cached:
    a hundred clients receive the same text)."""
    nodes = _parsed.get(frame)
    if nodes is None:
        builder = _TreeBuilder()
        builder.feed(frame)
        builder.close()
        nodes = builder.root.elements()
        _parsed[frame] = nodes
        if len(_parsed) > 512:
            _parsed.popitem(last=False)
    else:
        _parsed.move_to_end(frame)
    return [node.clone() for node in nodes]


DONE_LIMIT = 30  # tasks.selectors.DONE_LIMIT: a render shows the 30 latest done tasks


@dataclass(frozen=True)
class BoardView:
    """What a board page shows in its two lists: ids in order, counters, each card's markup.

    A render shows the latest DONE_LIMIT done tasks; live inserts never trim the list, so a
    page open for long holds older ones below them. ``done`` is what a render would show
    (the first DONE_LIMIT) and ``done_beyond`` the older cards the page keeps below."""

    open: tuple[str, ...]
    done: tuple[str, ...]
    open_count: str | None
    done_count: str | None
    cards: dict[str, str]
    done_beyond: tuple[str, ...] = field(default=(), compare=False)

    def differences(self, other: BoardView) -> list[str]:
        """What differs, shortly: ids only here / only there, order, counters, cards."""
        found = []
        for name in ("open", "done"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine != theirs:
                extra, missing = sorted(set(mine) - set(theirs)), sorted(set(theirs) - set(mine))
                if extra or missing:
                    found.append(
                        f"{name}: extra {extra[:5]} missing {missing[:5]} ({len(mine)} vs {len(theirs)})"
                    )
                else:
                    first = next(i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b)
                    found.append(f"{name}: order differs from position {first}: {mine[first : first + 3]}")
        for name in ("open_count", "done_count"):
            if getattr(self, name) != getattr(other, name):
                found.append(f"{name}: {getattr(self, name)!r} != {getattr(other, name)!r}")
        cards = [
            task_id
            for task_id in sorted(self.cards.keys() & other.cards.keys())
            if self.cards[task_id] != other.cards[task_id]
        ]
        if cards:
            found.append(f"{len(cards)} cards differ, e.g. {cards[0]}")
        return found


class Page:
    """One browser page's DOM, as far as frames from its socket build it."""

    def __init__(self, html: str | None = None) -> None:
        """``html``: the page as its HTTP render served it; the model is then strict (a region
        replaced that is not on the page is an error, as in htmx). Without it the page starts
        empty and regions replaced in appear (see the module docstring)."""
        self.root = Node("#document", {})
        self.by_id: dict[str, Node] = {}
        self.no_target: list[str] = []
        self.duplicates: list[str] = []
        self.appeared: list[str] = []
        self.frames = 0
        self.strict = html is not None
        if html is not None:
            for node in parse(html):
                node.parent = self.root
                self.root.children.append(node)
                self._add(node)

    def _add(self, node: Node) -> None:
        for each in node.walk():
            element_id = each.id
            if element_id:
                if element_id in self.by_id:
                    self.duplicates.append(element_id)
                self.by_id[element_id] = each

    def _remove(self, node: Node) -> None:
        for each in node.walk():
            element_id = each.id
            if element_id and self.by_id.get(element_id) is each:
                del self.by_id[element_id]

    @staticmethod
    def _detach(node: Node) -> tuple[Node, int]:
        parent = node.parent
        assert parent is not None
        index = next(i for i, child in enumerate(parent.children) if child is node)
        return parent, index

    def apply(self, frame: str) -> None:
        """Swap one frame in, as htmx's ws extension does (a missing hx-swap-oob means true)."""
        self.frames += 1
        for element in parse(frame):
            element_id = element.id
            if not element_id:
                continue  # htmx cannot place it either
            swap = element.attrs.pop("hx-swap-oob", None) or "true"
            target = self.by_id.get(element_id)
            if swap in ("true", "outerHTML"):
                if target is None and self.strict:
                    self.no_target.append(element_id)
                    continue
                if target is None:
                    element.parent = self.root
                    self.root.children.append(element)
                    self.appeared.append(element_id)
                    self.root.changed()
                else:
                    parent, index = self._detach(target)
                    self._remove(target)
                    element.parent = parent
                    parent.children[index] = element
                    parent.changed()
                self._add(element)
            elif swap == "delete":
                if target is None:
                    self.no_target.append(element_id)
                    continue
                parent, index = self._detach(target)
                self._remove(target)
                del parent.children[index]
                parent.changed()
            elif swap == "none":
                continue
            elif target is None:
                self.no_target.append(element_id)
            elif swap in INSERTS:
                children = element.children
                if swap == "textContent":
                    children = [element.text()]
                if swap in ("innerHTML", "textContent"):
                    for old in target.elements():
                        self._remove(old)
                    target.children = []
                for child in children:
                    if isinstance(child, Node):
                        child.parent = target
                        self._add(child)
                if swap == "afterbegin":
                    target.children[:0] = children
                else:
                    target.children.extend(children)
                target.changed()
            elif swap in SIBLINGS:
                parent, index = self._detach(target)
                for child in element.children:
                    if isinstance(child, Node):
                        child.parent = parent
                        self._add(child)
                at = index if swap == "beforebegin" else index + 1
                parent.children[at:at] = element.children
                parent.changed()
            else:
                raise ValueError(f"swap {swap!r} of #{element_id} is not an htmx swap style")

    def element(self, element_id: str) -> Node | None:
        return self.by_id.get(element_id)

    def ids(self) -> list[str]:
        return list(self.by_id)

    def board(self, board_id: int) -> BoardView:
        lists: dict[str, tuple[str, ...]] = {}
        cards: dict[str, str] = {}
        beyond: tuple[str, ...] = ()
        for which in ("open", "done"):
            node = self.element(f"board-{board_id}-{which}")
            items = node.elements() if node is not None else []
            if which == "done":
                beyond = tuple(item.id or "" for item in items[DONE_LIMIT:])
                items = items[:DONE_LIMIT]
            lists[which] = tuple(item.id or "" for item in items)
            cards.update({item.id or "": item.canonical() for item in items})
        counts = {}
        for which in ("open", "done"):
            node = self.element(f"board-{board_id}-{which}-count")
            counts[which] = node.text() if node is not None else None
        return BoardView(lists["open"], lists["done"], counts["open"], counts["done"], cards, beyond)


def page_of(*frames: str) -> Page:
    """A page built from ``frames`` (for example one fresh snapshot)."""
    page = Page()
    for frame in frames:
        page.apply(frame)
    return page

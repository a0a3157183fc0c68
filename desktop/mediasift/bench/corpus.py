"""A labelled retrieval set for ``mediasift bench retrieval``, written into a folder.

Labelled screenshots each show one message from :data:`~mediasift.bench.messages.MESSAGES`
(a dialog, a notification, a banner, a card, a settings row, a chat bubble or a terminal error)
inside generic window chrome; each comes with a paraphrased query that must find it. Distractor
screenshots show other, combinatorially generated texts (settings lists, file lists, code,
headlines, editing notices) in the same styles, or photo-like pictures without text. A few decks
and PDFs add queries that must find a given slide or page (some by a word only in the notes).

File names give nothing away (``shot_0001.png`` in shuffled order, ``deck_1.pptx``,
``doc_1.pdf``) and everything is a function of the seed.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from mediasift.bench.messages import CHATS, DECKS, MESSAGES, PDFS, SETTINGS, TERMINALS, Document

log = logging.getLogger(__name__)

CORPUS_VERSION = 1

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/Library/Fonts"),
)
SANS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansCondensed.ttf")
SANS += ("DejaVuSansCondensed-Bold.ttf",)
SERIF = ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerifCondensed.ttf")
MONO = ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf")
UI_FONT = "DejaVuSans.ttf"

Color = tuple[int, int, int]
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Labelled:
    """One query and the file (and page or slide) it must find."""

    query: str  # what a user would type
    path: str  # the file that must be found (absolute, resolved)
    locator: int | None  # 0-based page/slide index for decks and PDFs, None for screenshots
    group: str  # "screenshot" | "slide" | "pdf"


@dataclass(frozen=True)
class Theme:
    """The colours of one window style."""

    dark: bool
    desktop: tuple[Color, Color]
    window: Color
    titlebar: Color
    panel: Color
    text: Color
    muted: Color
    accent: Color
    border: Color


THEMES = (
    Theme(False, ((70, 110, 160), (150, 190, 220)), (255, 255, 255), (236, 236, 238),
          (245, 246, 248), (30, 30, 34), (105, 110, 118), (0, 110, 230), (210, 212, 216)),
    Theme(False, ((120, 80, 140), (230, 170, 120)), (250, 250, 247), (228, 226, 220),
          (240, 238, 232), (40, 36, 30), (110, 104, 96), (200, 90, 30), (205, 200, 190)),
    Theme(False, ((40, 120, 90), (180, 220, 190)), (247, 250, 252), (222, 230, 236),
          (235, 241, 245), (20, 40, 60), (90, 110, 128), (20, 140, 110), (196, 208, 218)),
    Theme(False, ((90, 90, 100), (200, 200, 210)), (255, 255, 255), (45, 50, 60),
          (242, 242, 242), (20, 20, 20), (100, 100, 100), (210, 40, 80), (220, 220, 220)),
    Theme(True, ((15, 20, 40), (60, 40, 90)), (32, 33, 36), (45, 46, 50),
          (40, 41, 45), (232, 234, 237), (160, 164, 170), (138, 180, 248), (70, 72, 78)),
    Theme(True, ((10, 30, 30), (20, 80, 90)), (24, 28, 34), (36, 42, 50),
          (30, 35, 42), (220, 226, 232), (140, 150, 160), (90, 200, 170), (60, 68, 78)),
    Theme(True, ((40, 10, 20), (120, 50, 40)), (40, 36, 44), (28, 24, 30),
          (50, 45, 55), (245, 240, 235), (175, 165, 160), (250, 170, 80), (80, 72, 85)),
    Theme(True, ((0, 0, 0), (50, 50, 60)), (18, 18, 18), (30, 30, 30),
          (26, 26, 26), (240, 240, 240), (150, 150, 150), (60, 200, 90), (55, 55, 55)),
)  # fmt: skip

TERMINAL_COLOURS: tuple[tuple[Color, Color], ...] = (
    ((12, 12, 12), (204, 204, 204)),
    ((0, 43, 54), (238, 232, 213)),
    ((40, 42, 54), (248, 248, 242)),
    ((255, 255, 255), (20, 20, 20)),
)

SCREEN_SIZES = ((1280, 800), (1366, 768), (1440, 900), (1600, 900), (1680, 1050), (1920, 1080))
DIALOG_SIZES = ((900, 600), (800, 520), (1024, 640))

# Generic clutter, shared by every screenshot whatever it shows.
APPS = ("Files", "Notes", "Viewer", "Dashboard", "Workspace")
MENU = ("File", "Edit", "View", "Window", "Help")
PLACES = ("Home", "Recent", "Starred", "Projects", "Archive", "Tags")
SECTIONS = ("General", "Devices", "Sound", "Privacy", "Advanced", "About")
BUTTONS = (("OK", "Cancel"), ("OK",), ("Close",), ("Cancel", "OK"))
CONTACTS = ("Alex", "Sam", "Jordan")
CHAT_FILLER = ("Hi!", "ok", "Sure", "Thanks!", "See you later", "haha")
PROMPTS = ("user@workstation:~/project$", "dev@laptop:~$", "PS C:\\Users\\dev>")
COMMANDS = ("make", "./run.sh", "./start.sh", "make all")


def _font_path(name: str) -> Path | None:
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return folder / name
    return None


_FONTS: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """A DejaVu font by file name, or Pillow's built-in font where DejaVu is missing."""
    key = (name, size)
    if key not in _FONTS:
        path = _font_path(name)
        if path is None:
            _FONTS[key] = ImageFont.load_default(size)  # type: ignore[assignment]
        else:
            _FONTS[key] = ImageFont.truetype(str(path), size)
    return _FONTS[key]


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap of ``text`` into lines no wider than ``width`` (long words stay whole)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = paragraph[: len(paragraph) - len(paragraph.lstrip())]  # keep indentation
        for word in paragraph.split():
            trial = f"{line} {word}" if line.strip() else line + word
            if line.strip() and face.getlength(trial) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def _blend(a: Color, b: Color, t: float) -> Color:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _gradient(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    height = size[1]
    strip = Image.new("RGB", (1, height))
    strip.putdata([_blend(top, bottom, i / max(1, height - 1)) for i in range(height)])
    return strip.resize(size, Image.Resampling.NEAREST)


def _draw_lines(
    draw: ImageDraw.ImageDraw, xy: tuple[int, int], lines: list[str], face, fill: Color
) -> int:
    """Draw ``lines`` from ``xy`` down; returns the y below the last line."""
    x, y = xy
    step = round(face.size * 1.35)
    for line in lines:
        draw.text((x, y), line, font=face, fill=fill)
        y += step
    return y


def _text_height(lines: list[str], face) -> int:
    return round(face.size * 1.35) * len(lines)


def _placeholder(draw: ImageDraw.ImageDraw, box: Box, theme: Theme, rng: random.Random) -> None:
    """Grey bars and blocks where a real window would show content: layout without words."""
    x0, y0, x1, y1 = box
    bar = _blend(theme.window, theme.muted, 0.25)
    y = y0 + 24
    while y < y1 - 30:
        if rng.random() < 0.2 and y + 120 < y1:
            w = rng.randint(120, max(121, (x1 - x0) // 2))
            draw.rounded_rectangle((x0 + 24, y, x0 + 24 + w, y + 90), 8, fill=bar)
            y += 110
            continue
        w = rng.randint((x1 - x0) // 4, max((x1 - x0) // 4 + 1, x1 - x0 - 48))
        draw.rounded_rectangle((x0 + 24, y, x0 + 24 + w, y + 10), 5, fill=bar)
        y += rng.choice((22, 26, 34))


@dataclass
class _Frame:
    image: Image.Image
    draw: ImageDraw.ImageDraw
    content: Box
    theme: Theme


def _frame(
    rng: random.Random, theme: Theme, title: str, places: tuple[str, ...] | None = None
) -> _Frame:
    """A screenshot with a window: title bar, maybe menus, a toolbar and a sidebar."""
    if rng.random() < 0.25:
        size = rng.choice(DIALOG_SIZES)
        image = Image.new("RGB", size, theme.window)
        win: Box = (0, 0, size[0], size[1])
    else:
        size = rng.choice(SCREEN_SIZES)
        image = _gradient(size, *theme.desktop)
        if rng.random() < 0.5:
            win = (0, 28, size[0], size[1])  # maximised under a system bar
        else:
            mx, my = rng.randint(40, 200), rng.randint(50, 120)
            win = (mx, my, size[0] - rng.randint(40, 200), size[1] - rng.randint(40, 120))
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = win
    if y0 >= 28:
        draw.rectangle((0, 0, size[0], 27), fill=_blend(theme.desktop[0], (0, 0, 0), 0.5))
        draw.text((size[0] - 70, 6), f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
                  font=font(UI_FONT, 13), fill=(235, 235, 235))  # fmt: skip
    draw.rectangle(win, fill=theme.window, outline=theme.border)
    bar = rng.randint(32, 42)
    draw.rectangle((x0, y0, x1, y0 + bar), fill=theme.titlebar)
    bar_text = (240, 240, 240) if sum(theme.titlebar) < 300 else theme.text
    title_face = font(rng.choice(("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")), 14)
    if rng.random() < 0.5:  # traffic lights on the left, title centred
        for i, colour in enumerate(((255, 95, 86), (255, 189, 46), (39, 201, 63))):
            cx = x0 + 20 + 22 * i
            draw.ellipse((cx - 7, y0 + bar // 2 - 7, cx + 7, y0 + bar // 2 + 7), fill=colour)
        tw = title_face.getlength(title)
        draw.text(((x0 + x1 - tw) / 2, y0 + bar // 2 - 9), title, font=title_face, fill=bar_text)
    else:  # title on the left, minimise / maximise / close on the right
        draw.text((x0 + 14, y0 + bar // 2 - 9), title, font=title_face, fill=bar_text)
        cy = y0 + bar // 2
        bx = x1 - 26
        draw.line((bx - 6, cy - 6, bx + 6, cy + 6), fill=bar_text, width=2)
        draw.line((bx - 6, cy + 6, bx + 6, cy - 6), fill=bar_text, width=2)
        bx -= 44
        draw.rectangle((bx - 6, cy - 6, bx + 6, cy + 6), outline=bar_text, width=2)
        bx -= 44
        draw.line((bx - 6, cy, bx + 6, cy), fill=bar_text, width=2)
    top = y0 + bar
    if rng.random() < 0.6:
        menu_face = font(UI_FONT, 13)
        draw.rectangle((x0 + 1, top, x1 - 1, top + 26), fill=theme.panel)
        mx = x0 + 12
        for item in MENU[: rng.randint(3, len(MENU))]:
            draw.text((mx, top + 5), item, font=menu_face, fill=theme.text)
            mx += round(menu_face.getlength(item)) + 22
        top += 26
    if rng.random() < 0.5:
        draw.rectangle((x0 + 1, top, x1 - 1, top + 40), fill=theme.panel)
        for i in range(rng.randint(4, 9)):
            ix = x0 + 14 + 40 * i
            draw.rounded_rectangle((ix, top + 8, ix + 24, top + 32), 5, fill=theme.border)
        top += 40
    draw.line((x0, top, x1, top), fill=theme.border)
    left = x0
    if places is None and (x1 - x0) >= 1100 and rng.random() < 0.6:
        places = tuple(p for p in PLACES if rng.random() < 0.7) or PLACES[:3]
    if places:
        side = rng.randint(180, 240)
        draw.rectangle((x0 + 1, top + 1, x0 + side, y1 - 1), fill=theme.panel)
        face = font(UI_FONT, rng.choice((13, 14, 15)))
        py = top + 18
        for i, place in enumerate(places):
            if i == 0:
                draw.rounded_rectangle((x0 + 8, py - 6, x0 + side - 8, py + 22), 6,
                                       fill=_blend(theme.panel, theme.accent, 0.2))  # fmt: skip
            draw.ellipse((x0 + 18, py + 2, x0 + 30, py + 14), fill=theme.muted)
            draw.text((x0 + 40, py), place, font=face, fill=theme.text)
            py += 34
        left = x0 + side
        draw.line((left, top, left, y1), fill=theme.border)
    return _Frame(image, draw, (left + 1, top + 1, x1 - 1, y1 - 1), theme)


def _message_face(rng: random.Random, lo: int = 14, hi: int = 32, mono: bool = False):
    names = MONO if mono else rng.choice((SANS, SANS, SERIF))
    return font(rng.choice(names), rng.randint(lo, hi))


def _button_row(f: _Frame, right: int, y: int, rng: random.Random) -> None:
    face = font(UI_FONT, 14)
    x = right
    labels = rng.choice(BUTTONS)
    for i, label in enumerate(reversed(labels)):
        w = max(80, round(face.getlength(label)) + 32)
        primary = i == 0
        fill = f.theme.accent if primary else f.theme.panel
        ink = (255, 255, 255) if primary else f.theme.text
        f.draw.rounded_rectangle((x - w, y, x, y + 32), 6, fill=fill, outline=f.theme.border)
        f.draw.text((x - w + (w - face.getlength(label)) / 2, y + 8), label, font=face, fill=ink)
        x -= w + 12


def _dialog(f: _Frame, text: str, rng: random.Random) -> None:
    _placeholder(f.draw, f.content, f.theme, rng)
    x0, y0, x1, y1 = f.content
    face = _message_face(rng, 14, 26)
    width = min(x1 - x0 - 60, rng.randint(420, 680))
    lines = wrap(text, face, width - 110)
    height = max(_text_height(lines, face), 48) + 110
    dx = x0 + (x1 - x0 - width) // 2
    dy = y0 + max(10, (y1 - y0 - height) // 2 - rng.randint(0, 60))
    shadow = _blend(f.theme.window, (0, 0, 0), 0.3)
    f.draw.rounded_rectangle((dx + 4, dy + 6, dx + width + 4, dy + height + 6), 12, fill=shadow)
    f.draw.rounded_rectangle((dx, dy, dx + width, dy + height), 12, fill=f.theme.panel,
                             outline=f.theme.border)  # fmt: skip
    f.draw.ellipse((dx + 24, dy + 28, dx + 68, dy + 72), fill=f.theme.accent)
    f.draw.text((dx + 46, dy + 50), rng.choice("!i?"), font=font("DejaVuSans-Bold.ttf", 26),
                fill=(255, 255, 255), anchor="mm")  # fmt: skip
    _draw_lines(f.draw, (dx + 88, dy + 30), lines, face, f.theme.text)
    _button_row(f, dx + width - 20, dy + height - 50, rng)


def _toast(f: _Frame, text: str, rng: random.Random) -> None:
    _placeholder(f.draw, f.content, f.theme, rng)
    w, h = f.image.size
    face = _message_face(rng, 15, 24)
    width = min(w - 40, rng.randint(360, 520))
    lines = wrap(text, face, width - 90)
    height = _text_height(lines, face) + 56
    x = w - width - 20
    y = 40 if rng.random() < 0.6 else h - height - 60
    card = _blend(f.theme.panel, f.theme.text, 0.06)
    f.draw.rounded_rectangle((x, y, x + width, y + height), 14, fill=card, outline=f.theme.border)
    f.draw.rounded_rectangle((x + 16, y + 18, x + 56, y + 58), 10, fill=f.theme.accent)
    f.draw.text((x + 72, y + 12), "now", font=font(UI_FONT, 12), fill=f.theme.muted)
    _draw_lines(f.draw, (x + 72, y + 32), lines, face, f.theme.text)


def _banner(f: _Frame, text: str, rng: random.Random) -> None:
    x0, y0, x1, y1 = f.content
    face = _message_face(rng, 15, 24)
    lines = wrap(text, face, x1 - x0 - 160)
    height = _text_height(lines, face) + 28
    colour = _blend(f.theme.window, f.theme.accent, 0.18)
    f.draw.rectangle((x0, y0, x1, y0 + height), fill=colour)
    f.draw.rectangle((x0, y0, x0 + 5, y0 + height), fill=f.theme.accent)
    _draw_lines(f.draw, (x0 + 24, y0 + 14), lines, face, f.theme.text)
    f.draw.text((x1 - 90, y0 + 14), "Dismiss", font=font(UI_FONT, 14), fill=f.theme.accent)
    _placeholder(f.draw, (x0, y0 + height, x1, y1), f.theme, rng)


def _card(f: _Frame, text: str, rng: random.Random) -> None:
    x0, y0, x1, y1 = f.content
    face = _message_face(rng, 20, 32)
    width = min(x1 - x0 - 60, rng.randint(480, 760))
    lines = wrap(text, face, width - 80)
    height = _text_height(lines, face) + 80
    cx = x0 + (x1 - x0 - width) // 2
    cy = y0 + max(20, (y1 - y0 - height) // 3)
    f.draw.rounded_rectangle((cx, cy, cx + width, cy + height), 16, fill=f.theme.panel,
                             outline=f.theme.border)  # fmt: skip
    f.draw.rectangle((cx, cy + 16, cx + 6, cy + height - 16), fill=f.theme.accent)
    _draw_lines(f.draw, (cx + 40, cy + 40), lines, face, f.theme.text)
    _placeholder(f.draw, (x0, cy + height + 20, x1, y1), f.theme, rng)


def _toggle(f: _Frame, x: int, y: int, on: bool) -> None:
    fill = f.theme.accent if on else f.theme.border
    f.draw.rounded_rectangle((x, y, x + 44, y + 24), 12, fill=fill)
    knob = x + 22 if on else x + 2
    f.draw.ellipse((knob, y + 2, knob + 20, y + 22), fill=(255, 255, 255))


def _settings(f: _Frame, rows: list[str | None], rng: random.Random, highlight: int | None) -> None:
    """Rows of a settings page with switches (``None``: a grey bar); ``highlight`` marks one."""
    x0, y0, x1, y1 = f.content
    face = _message_face(rng, 14, 22)
    bar = _blend(f.theme.window, f.theme.muted, 0.25)
    y = y0 + 30
    for i, row in enumerate(rows):
        lines = wrap(row, face, x1 - x0 - 180) if row else [""]
        height = _text_height(lines, face) + 24
        if y + height > y1 - 10:
            break
        if i == highlight:
            f.draw.rounded_rectangle((x0 + 16, y - 4, x1 - 16, y + height - 4), 8,
                                     fill=_blend(f.theme.window, f.theme.accent, 0.12))  # fmt: skip
        if row:
            _draw_lines(f.draw, (x0 + 32, y + 8), lines, face, f.theme.text)
        else:
            w = rng.randint(120, max(121, (x1 - x0) // 2))
            f.draw.rounded_rectangle((x0 + 32, y + 12, x0 + 32 + w, y + 24), 6, fill=bar)
        _toggle(f, x1 - 90, y + height // 2 - 14, rng.random() < 0.6)
        y += height + 6
        f.draw.line((x0 + 24, y - 3, x1 - 24, y - 3), fill=f.theme.border)


def _settings_message(f: _Frame, text: str, rng: random.Random) -> None:
    before = rng.randint(1, 3)
    rows: list[str | None] = [None] * before + [text] + [None] * rng.randint(1, 3)
    _settings(f, rows, rng, highlight=before)


def _chat(f: _Frame, text: str, rng: random.Random) -> None:
    x0, y0, x1, y1 = f.content
    face = _message_face(rng, 15, 24)
    small = font(UI_FONT, face.size)
    f.draw.rectangle((x0, y1 - 60, x1, y1), fill=f.theme.panel)
    f.draw.rounded_rectangle((x0 + 16, y1 - 48, x1 - 80, y1 - 12), 18, fill=f.theme.window,
                             outline=f.theme.border)  # fmt: skip
    f.draw.text((x0 + 34, y1 - 40), "Type here", font=font(UI_FONT, 14), fill=f.theme.muted)
    bubbles = [(rng.choice(CHAT_FILLER), rng.random() < 0.5) for _ in range(rng.randint(1, 3))]
    bubbles.append((text, False))
    bubbles += [(rng.choice(CHAT_FILLER), True) for _ in range(rng.randint(0, 2))]
    y = y0 + 24
    limit = min(560, (x1 - x0) * 2 // 3)
    for words, mine in bubbles:
        bubble_face = small if words in CHAT_FILLER else face
        lines = wrap(words, bubble_face, limit)
        tw = max(round(bubble_face.getlength(line)) for line in lines)
        th = _text_height(lines, bubble_face)
        bx = x1 - tw - 60 if mine else x0 + 24
        fill = f.theme.accent if mine else _blend(f.theme.window, f.theme.text, 0.1)
        ink = (255, 255, 255) if mine else f.theme.text
        f.draw.rounded_rectangle((bx, y, bx + tw + 32, y + th + 20), 16, fill=fill)
        _draw_lines(f.draw, (bx + 16, y + 10), lines, bubble_face, ink)
        y += th + 36


def _terminal_lines(f: _Frame, lines: list[str], rng: random.Random, face) -> None:
    x0, y0, x1, y1 = f.content
    background, ink = rng.choice(TERMINAL_COLOURS)
    f.draw.rectangle((x0, y0, x1, y1), fill=background)
    wrapped: list[str] = []
    for line in lines:
        wrapped += wrap(line, face, x1 - x0 - 40)
    _draw_lines(f.draw, (x0 + 14, y0 + 12), wrapped, face, ink)


def _terminal(f: _Frame, text: str, rng: random.Random) -> None:
    face = _message_face(rng, 14, 22, mono=True)
    prompt = rng.choice(PROMPTS)
    lines = [f"{prompt} {rng.choice(COMMANDS)}", text, prompt]
    _terminal_lines(f, lines, rng, face)


def _photo(rng: random.Random) -> Image.Image:
    """A photo-like picture without text: a gradient sky, blurred shapes, fine grain."""
    size = rng.choice(((1600, 1200), (1200, 800), (1920, 1080), (1024, 768)))
    w, h = size[0] // 2, size[1] // 2  # drawn at half size, then enlarged: soft like a lens

    def pick() -> Color:
        return rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)

    image = _gradient((w, h), pick(), pick())
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(rng.randint(4, 12)):
        x, y = rng.randint(-w // 4, w), rng.randint(-h // 4, h)
        r = rng.randint(w // 20, w // 3)
        colour = (*pick(), rng.randint(90, 230))
        shape = rng.random()
        if shape < 0.4:
            draw.ellipse((x, y, x + r, y + r * rng.uniform(0.5, 1.5)), fill=colour)
        elif shape < 0.7:
            draw.rectangle((x, y, x + r, y + r // 2), fill=colour)
        else:
            points = [(x + rng.randint(-r, r), y + rng.randint(-r, r)) for _ in range(3)]
            draw.polygon(points, fill=colour)
    image = Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(1, 3)))
    image = image.resize(size, Image.Resampling.BICUBIC)
    grain = Image.effect_noise((256, 256), rng.uniform(8, 24)).convert("RGB")
    tiled = Image.new("RGB", size)
    for gx in range(0, size[0], 256):
        for gy in range(0, size[1], 256):
            tiled.paste(grain, (gx, gy))
    return Image.blend(image, tiled, 0.08)


# --- distractor texts ------------------------------------------------------------------------

_VERBS = ("Show", "Hide", "Sort", "Group", "Pin", "Preview", "Highlight", "Collapse", "Expand")
_OBJECTS = (
    "file extensions", "toolbar labels", "column headers", "tab titles", "grid lines",
    "thumbnail borders", "ruler units", "hidden folders", "line numbers", "status bar",
    "minimap", "breadcrumbs", "sidebar badges", "row stripes", "page margins",
)  # fmt: skip
_WHEN = ("", " in lists", " on hover", " in compact view", " for new windows", " by default")
_FILE_WORDS = (
    "draft", "notes", "final", "summary", "layout", "sketch", "export", "scan", "plan",
    "archive", "figure", "table", "chapter", "outline", "mockup", "v2", "old", "copy",
)  # fmt: skip
_EXTS = ("txt", "md", "png", "jpg", "csv", "json", "svg", "docx", "odt", "zip", "mp4", "wav")
_IDENT = ("item", "node", "value", "row", "span", "token", "frame", "chunk", "entry", "slot")
_FUNCS = ("parse", "merge", "render", "split", "count", "scale", "filter", "group", "pack")
_SUBJECTS = (
    "Regional orchestra", "City museum", "Chess club", "Astronomy society", "Dig team",
    "Rowing club", "Botanical garden", "Poetry festival", "Glassblowing studio", "Choir",
    "Model railway society", "Folk dance troupe", "Clockmakers' guild", "Kite flying club",
)  # fmt: skip
_ACTIONS = (
    "unveils", "restores", "celebrates", "catalogues", "rediscovers", "exhibits", "maps",
    "reconstructs", "donates", "photographs",
)  # fmt: skip
_THINGS = (
    "a medieval tapestry", "a rare orchid collection", "comet fragments", "a Roman mosaic",
    "a folk song archive", "a Victorian greenhouse", "an ancient sundial", "a silk map",
    "a bronze age canoe", "a baroque organ", "a lost sonnet", "a marble chess set",
)  # fmt: skip
_TAILS = ("", " after a century", " for the first time", " in the old town", " this spring")
_EDIT_NOUNS = ("Layer", "Column", "Track", "Frame", "Shape", "Path", "Swatch", "Brush", "Guide")
_EDIT_VERBS = ("renamed", "duplicated", "aligned left", "grouped", "locked", "flipped", "hidden")


def _distractor_texts(kind: str, rng: random.Random, seen: set[str]) -> list[str]:
    """Fresh lines for one distractor screenshot of ``kind`` (never repeating a whole screen)."""
    for _ in range(100):
        if kind == "settings":
            count = rng.randint(5, 9)
            lines = [
                f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)}{rng.choice(_WHEN)}"
                for _ in range(count)
            ]
        elif kind == "files":
            lines = []
            for _ in range(rng.randint(8, 16)):
                if rng.random() < 0.3:
                    name = f"IMG_{rng.randint(1000, 9999)}.{rng.choice(('jpg', 'png'))}"
                else:
                    parts = rng.sample(_FILE_WORDS, rng.randint(1, 3))
                    name = f"{'_'.join(parts)}_{rng.randint(1, 99):02d}.{rng.choice(_EXTS)}"
                size = f"{rng.randint(1, 999)} {rng.choice(('KB', 'MB'))}"
                date = f"20{rng.randint(18, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                lines.append(f"{name}    {size}    {date}")
        elif kind == "code":
            fn, a, b = rng.choice(_FUNCS), rng.choice(_IDENT), rng.choice(_IDENT)
            lines = [
                f"def {fn}_{a}s({a}s, limit={rng.randint(2, 64)}):",
                f"    {b}s = []",
                f"    for {a} in {a}s[:limit]:",
                f"        {b}s.append({rng.choice(_FUNCS)}({a}, {rng.randint(0, 9)}))",
                f"    return sorted({b}s, key=len)",
                "",
                f"class {a.title()}{rng.choice(_FUNCS).title()}er:",
                f"    width = {rng.randint(10, 900)}",
            ]
        elif kind == "news":
            lines = [
                f"{rng.choice(_SUBJECTS)} {rng.choice(_ACTIONS)} {rng.choice(_THINGS)}"
                f"{rng.choice(_TAILS)}"
                for _ in range(rng.randint(3, 6))
            ]
        else:  # an editing notice in a dialog, notification, banner or card
            lines = [
                f"{rng.choice(_EDIT_NOUNS)} {rng.randint(2, 99)} {rng.choice(_EDIT_VERBS)}"
                f" in canvas {rng.randint(1, 9)}"
            ]
        key = "\n".join(lines)
        if key not in seen:
            seen.add(key)
            return lines
    raise RuntimeError(f"could not make a fresh {kind} distractor")


def _list_screen(f: _Frame, lines: list[str], rng: random.Random, mono: bool) -> None:
    x0, y0, x1, y1 = f.content
    face = _message_face(rng, 14, 20, mono=mono)
    y = y0 + 20
    for i, line in enumerate(lines):
        if y > y1 - face.size * 2:
            break
        if mono:
            f.draw.text((x0 + 12, y), f"{i + 1:>3}", font=face, fill=f.theme.muted)
        elif i % 2:
            f.draw.rectangle((x0 + 8, y - 4, x1 - 8, y + face.size + 8),
                             fill=_blend(f.theme.window, f.theme.panel, 0.8))  # fmt: skip
        f.draw.text((x0 + (70 if mono else 24), y), line, font=face, fill=f.theme.text)
        y += round(face.size * (1.5 if mono else 1.9))


NOTICE_STYLES: tuple[Callable[[_Frame, str, random.Random], None], ...] = (
    _dialog,
    _toast,
    _banner,
    _card,
)


def _labelled_shot(index: int, rng: random.Random) -> Image.Image:
    """The screenshot of message ``index``, in the style its kind of message appears in."""
    pair = MESSAGES[index]
    message = pair[0]
    theme = rng.choice(THEMES)
    if pair in TERMINALS:
        f = _frame(rng, theme, "Terminal", places=())
        _terminal(f, message, rng)
    elif pair in CHATS:
        f = _frame(rng, theme, rng.choice(CONTACTS))
        _chat(f, message, rng)
    elif pair in SETTINGS:
        f = _frame(rng, theme, "Settings", places=SECTIONS[: rng.randint(4, len(SECTIONS))])
        _settings_message(f, message, rng)
    else:
        f = _frame(rng, theme, rng.choice(APPS))
        rng.choice(NOTICE_STYLES)(f, message, rng)
    return f.image


def _distractor_shot(kind: str, rng: random.Random, seen: set[str]) -> Image.Image:
    """An unlabelled screenshot of ``kind`` (or a photo-like picture for ``"photo"``)."""
    if kind == "photo":
        return _photo(rng)
    lines = _distractor_texts(kind, rng, seen)
    theme = rng.choice(THEMES)
    if kind == "settings":
        f = _frame(rng, theme, "Settings", places=SECTIONS[: rng.randint(4, len(SECTIONS))])
        _settings(f, list(lines), rng, highlight=None)
    elif kind == "files":
        f = _frame(rng, theme, "Files")
        _list_screen(f, lines, rng, mono=False)
    elif kind == "code":
        if rng.random() < 0.3:
            f = _frame(rng, theme, "Terminal", places=())
            _terminal_lines(f, lines, rng, _message_face(rng, 14, 20, mono=True))
        else:
            f = _frame(rng, theme, rng.choice(("Editor", "Notes")))
            _list_screen(f, lines, rng, mono=True)
    elif kind == "news":
        f = _frame(rng, theme, "Reader")
        _list_screen(f, lines, rng, mono=False)
    else:
        f = _frame(rng, theme, rng.choice(APPS))
        rng.choice(NOTICE_STYLES)(f, lines[0], rng)
    return f.image


DISTRACTOR_KINDS = ("settings", "files", "code", "news", "notice")


def _save(image: Image.Image, path: Path) -> None:
    if path.suffix == ".jpg":
        image.save(path, "JPEG", quality=90)
    else:
        image.save(path, "PNG", compress_level=3)


# --- decks and PDFs --------------------------------------------------------------------------


def write_deck(document: Document, path: Path) -> None:
    """A PPTX with one title-and-bullets slide per :class:`Slide`, notes included."""
    from pptx import Presentation

    deck = Presentation()
    for i, spec in enumerate(document.slides):
        layout = deck.slide_layouts[0 if i == 0 else 1]
        slide = deck.slides.add_slide(layout)
        slide.shapes.title.text = spec.title
        body = slide.placeholders[1].text_frame
        body.text = spec.bullets[0]
        for bullet in spec.bullets[1:]:
            body.add_paragraph().text = bullet
        if spec.notes:
            slide.notes_slide.notes_text_frame.text = spec.notes
    deck.core_properties.modified = datetime(2025, 1, 1)
    deck.core_properties.created = datetime(2025, 1, 1)
    deck.save(str(path))


def write_pdf(document: Document, path: Path) -> None:
    """A PDF with one page per :class:`Slide`: the title as a heading, then the paragraph."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2025, 1, 1, tzinfo=UTC))
    for spec in document.slides:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 22)
        pdf.multi_cell(0, 12, spec.title)
        pdf.ln(6)
        pdf.set_font("Helvetica", "", 13)
        pdf.multi_cell(0, 7, " ".join(spec.bullets))
    pdf.output(str(path))


# --- the set ---------------------------------------------------------------------------------


def build_corpus(
    folder: Path, seed: int = 0, screenshots: int = 120, distractors: int = 200
) -> list[Labelled]:
    """Write the retrieval set into ``folder`` and return its labelled queries.

    ``screenshots`` labelled screenshots (each a different message, up to ``len(MESSAGES)``),
    ``distractors`` unlabelled ones (about a quarter photo-like, without text), and the decks and
    PDFs of :mod:`mediasift.bench.messages`. Paths are absolute and resolved, as the library
    stores them. The same seed writes the same files.
    """
    if not 0 <= screenshots <= len(MESSAGES):
        raise ValueError(f"screenshots must be between 0 and {len(MESSAGES)}")
    if distractors < 0:
        raise ValueError("distractors must not be negative")
    folder = Path(folder).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    chosen = rng.sample(range(len(MESSAGES)), screenshots)
    photos = distractors // 4
    kinds = ["photo"] * photos + [
        DISTRACTOR_KINDS[i % len(DISTRACTOR_KINDS)] for i in range(distractors - photos)
    ]
    jobs: list[tuple[str, int | str]] = [("label", i) for i in chosen]
    jobs += [("distractor", kind) for kind in kinds]
    rng.shuffle(jobs)
    seen: set[str] = set()
    labelled: list[Labelled] = []
    for number, (role, what) in enumerate(jobs, 1):
        item_rng = random.Random(f"{seed}:{number}")
        photo_like = what == "photo"
        jpeg = item_rng.random() < (0.8 if photo_like else 0.15)
        path = folder / f"shot_{number:04d}.{'jpg' if jpeg else 'png'}"
        if role == "label":
            assert isinstance(what, int)
            _save(_labelled_shot(what, item_rng), path)
            labelled.append(Labelled(MESSAGES[what][1], str(path), None, "screenshot"))
        else:
            _save(_distractor_shot(str(what), item_rng, seen), path)
    for document in DECKS:
        path = folder / document.name
        write_deck(document, path)
        labelled += [Labelled(q, str(path), i, "slide") for q, i in document.queries]
    for document in PDFS:
        path = folder / document.name
        write_pdf(document, path)
        labelled += [Labelled(q, str(path), i, "pdf") for q, i in document.queries]
    log.info(
        "Retrieval set v%d in %s: %d labelled screenshots, %d distractors, %d decks, %d PDFs",
        CORPUS_VERSION, folder, screenshots, distractors, len(DECKS), len(PDFS),
    )  # fmt: skip
    return labelled

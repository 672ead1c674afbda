"""Simple banner images for the demo site, drawn with Pillow (gradients and shapes)."""

from __future__ import annotations

import io
import random

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter
from wagtail.images import get_image_model

# title -> (top-left colour, bottom-right colour, motif, random seed)
BANNERS: dict[str, tuple[str, str, str, int]] = {
    "Demo: home hero": ("#0b3d6e", "#1c8c8c", "rings", 1),
    "Demo: open-day campaign": ("#7a1f3d", "#e0823d", "dots", 2),
    "Demo: lab tour": ("#123c69", "#3aa6b9", "grid", 3),
    "Demo: supply-demand matching": ("#2d3561", "#c05c7e", "links", 4),
    "Demo: expert clinic": ("#1d4d4f", "#7cb518", "rings", 5),
    "Demo: convenience testing": ("#6b2d5c", "#f0a868", "dots", 6),
    "Demo: consumer advice": ("#3d315b", "#f4b942", "bars", 7),
    "Demo: lecture": ("#203a43", "#2c7a7b", "bars", 8),
    "Demo: news": ("#24385b", "#6c8ebf", "grid", 9),
    "Demo: sector figures": ("#0f4c5c", "#5f0f40", "bars", 10),
    "Demo: institution": ("#264653", "#2a9d8f", "links", 11),
}

WIDTH, HEIGHT = 1600, 640


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def _gradient(start: str, end: str) -> PILImage.Image:
    # A 2x2 image scaled up with bicubic resampling gives a smooth diagonal gradient
    # without touching every pixel in Python.
    a, b = _hex(start), _hex(end)
    mid = tuple((x + y) // 2 for x, y in zip(a, b, strict=True))
    small = PILImage.new("RGB", (2, 2))
    small.putdata([a, mid, mid, b])
    return small.resize((WIDTH, HEIGHT), PILImage.Resampling.BICUBIC)


def _motif(draw: ImageDraw.ImageDraw, motif: str, rng: random.Random) -> None:
    white = (255, 255, 255)
    if motif == "rings":
        for _ in range(7):
            x, y = rng.randint(0, WIDTH), rng.randint(0, HEIGHT)
            r = rng.randint(80, 320)
            draw.ellipse(
                (x - r, y - r, x + r, y + r), outline=(*white, 60), width=rng.randint(3, 9)
            )
    elif motif == "dots":
        for _ in range(60):
            x, y = rng.randint(0, WIDTH), rng.randint(0, HEIGHT)
            r = rng.randint(6, 48)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(*white, rng.randint(20, 70)))
    elif motif == "grid":
        step = 64
        for x in range(0, WIDTH, step):
            draw.line((x, 0, x, HEIGHT), fill=(*white, 28), width=1)
        for y in range(0, HEIGHT, step):
            draw.line((0, y, WIDTH, y), fill=(*white, 28), width=1)
        for _ in range(14):
            x = rng.randrange(0, WIDTH, step)
            y = rng.randrange(0, HEIGHT, step)
            draw.rectangle((x, y, x + step, y + step), fill=(*white, rng.randint(25, 70)))
    elif motif == "links":
        points = [(rng.randint(0, WIDTH), rng.randint(0, HEIGHT)) for _ in range(16)]
        for i, p in enumerate(points):
            for q in points[i + 1 : i + 3]:
                draw.line((*p, *q), fill=(*white, 70), width=3)
        for x, y in points:
            draw.ellipse((x - 12, y - 12, x + 12, y + 12), fill=(*white, 140))
    elif motif == "bars":
        x = 80
        while x < WIDTH - 80:
            h = rng.randint(80, HEIGHT - 160)
            draw.rounded_rectangle(
                (x, HEIGHT - 60 - h, x + 44, HEIGHT - 60), radius=10, fill=(*white, 55)
            )
            x += 76


def render_banner(start: str, end: str, motif: str, seed: int) -> bytes:
    """A JPEG banner: a diagonal gradient with a soft, light motif on top."""
    base = _gradient(start, end).convert("RGBA")
    overlay = PILImage.new("RGBA", base.size, (0, 0, 0, 0))
    _motif(ImageDraw.Draw(overlay), motif, random.Random(seed))
    overlay = overlay.filter(ImageFilter.GaussianBlur(1.2))
    out = io.BytesIO()
    PILImage.alpha_composite(base, overlay).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def ensure_images() -> tuple[dict, int]:
    """The demo banners as Wagtail images, keyed by title; created once, found by title."""
    image_model = get_image_model()
    images, created = {}, 0
    for title, (start, end, motif, seed) in BANNERS.items():
        image = image_model.objects.filter(title=title).order_by("pk").first()
        if image is None:
            name = title.split(": ", 1)[-1].replace(" ", "-").replace("/", "-") + ".jpg"
            data = render_banner(start, end, motif, seed)
            image = image_model(title=title, file=ImageFile(io.BytesIO(data), name=name))
            image.save()
            created += 1
        images[title] = image
    return images, created

"""``deepdreamer serve``: the web page (``pip install "deepdreamer[web]"``), on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import click

from ..errors import DeepDreamError
from ..web import defaults
from .app import cli
from .options import device_option


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=defaults.PORT, show_default=True,
              help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but a loopback address needs --auth.")
@click.option("--auth", metavar="USER:PASSWORD", envvar="DEEPDREAMER_AUTH",
              help="Ask for this user name and password (also read from $DEEPDREAMER_AUTH, which keeps it out of "
                   "the process list).")
@click.option("--share", is_flag=True, help="Also open a public share link through Gradio's relay (needs --auth).")
@device_option
@click.option("--max-upload-mb", type=click.FloatRange(min=0, min_open=True), default=defaults.MAX_UPLOAD_MB,
              show_default=True, help="Largest upload accepted, in megabytes.")
@click.option("--max-pixels", type=click.IntRange(min=1), default=defaults.MAX_PIXELS, show_default=True,
              help="Largest image (and video frame) accepted, in pixels (width x height).")
@click.option("--max-video-seconds", type=click.FloatRange(min=0, min_open=True), default=defaults.MAX_VIDEO_SECONDS,
              show_default=True, help="Longest video accepted by the Video tab, in seconds.")
@click.option("--max-video-frames", type=click.IntRange(min=1), default=defaults.MAX_VIDEO_FRAMES, show_default=True,
              help="Most frames in a video accepted by the Video tab.")
@click.option("--preview-every", type=click.FloatRange(min=0), default=defaults.PREVIEW_EVERY,
              show_default=True, help="Seconds between live pictures of a running dream.")
def serve(port: int, host: str, auth: str | None, share: bool, device: str, max_upload_mb: float, max_pixels: int,
          max_video_seconds: float, max_video_frames: int, preview_every: float) -> None:
    """Serve a web page to dream in: upload, watch it dream, stop, compare, download, repeat, explore, zoom into a
    photo, dream a short video.

    One dream runs at a time; the others wait in a queue and see their place. Files live in the server's own
    temporary folder and go when the tab is closed and when the server stops (Ctrl-C).
    """
    try:
        from ..web import server
        from ..web.workspace import UploadLimits
    except ImportError as exc:  # gradio is an extra
        raise DeepDreamError(f"the page needs the web extra: pip install \"deepdreamer[web]\" ({exc.name} is "
                             "missing)") from None
    options = server.ServeOptions(host=host, port=port, auth=None if auth is None else server.parse_auth(auth),
                                  share=share, device=device,
                                  limits=UploadLimits(round(max_upload_mb * 1_000_000), max_pixels,
                                                      max_video_seconds, max_video_frames),
                                  preview_every=preview_every)
    server.serve_forever(options, announce=lambda line: click.echo(line, err=True))

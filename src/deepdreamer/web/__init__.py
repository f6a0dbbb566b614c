"""The web page: ``deepdreamer serve`` (``pip install "deepdreamer[web]"``), a thin front end over the same API.

Modules, one concern each: :mod:`.choices` (models, presets, layers and classes from the catalog, without
torch), :mod:`.form` (the page's settings to :func:`deepdreamer.dream` options and back from a record: the
"Repeat" tab), :mod:`.workspace` (the server's own temporary folder, one sub-folder per browser session, and
upload checks), :mod:`.animation` (the Zoom and Video tabs' settings and clips), :mod:`.jobs` (runs an engine
job in a thread and turns its progress records into page updates; Stop sets the job's event),
:mod:`.handlers` (what each event of the page does), :mod:`.app` (the Gradio layout and wiring) and
:mod:`.server` (launch: address, password, limits, analytics off). Only :mod:`.handlers` and :mod:`.app` import
Gradio; :mod:`.server` imports them when it starts the page, after switching analytics off.
"""

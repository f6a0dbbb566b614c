"""Dreams of many pictures: whole folders, zoom animations, and videos without flicker; on one machine or a Ray
cluster. They reuse the engine and its contract (progress records, the stop event) frame by frame.

Modules: ``folders`` (a folder of photos, resumable), ``cluster`` (folders on Ray), ``zoom`` with ``camera``,
``keyframes`` and ``guard`` (the infinite zoom), ``video`` (the frame loop), ``video_io`` (PyAV: frames, timing,
rotation, sound), ``flow`` and ``temporal`` (where each frame's dream starts), ``flicker`` (warping error),
``frames`` (the work folder a run commits to). Video and flow need the extra ``deepdreamer[video]`` (PyAV,
OpenCV headless), imported only when used.
"""

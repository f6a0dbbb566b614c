"""Dreams of many pictures: whole folders, zoom animations and videos. They reuse the engine and its contract."""

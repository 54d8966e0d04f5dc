-- Live thumbnails and the recording's poster (the packager's thumbnailer writes
-- <segment root>/<stream id>/thumb.jpg and poster.jpg). thumbnail_at: when the stream's first
-- thumbnail was written (GetStream's thumbnail_url is set from then on while the stream is live);
-- poster_path: the poster relative to the segment root ("str_…/poster.jpg"), set once, announced
-- with StreamEnded for recording-lifecycle.
ALTER TABLE streams ADD COLUMN thumbnail_at timestamptz, ADD COLUMN poster_path text;

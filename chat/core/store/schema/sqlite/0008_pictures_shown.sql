-- The messages that show a picture, found by its name (a prefix of `image`), and its uploads,
-- found by name too: the last message showing a picture takes it along when it is deleted.
CREATE INDEX message_image ON message (image) WHERE image IS NOT NULL;
CREATE INDEX picture_upload_name ON picture_upload (name);

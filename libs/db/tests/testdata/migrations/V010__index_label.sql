CREATE INDEX widgets_label_idx ON widgets (label);

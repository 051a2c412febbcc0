"""`madoguchi profile check`: an office profile checked line by line, and previewed as residents
will read it. Imports settings, i18n and the resident's views (to render the preview)."""

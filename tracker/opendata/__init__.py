"""Open data: the public records the API, the CSV exports, the Atom feed and the iCalendar
file share, built from the same queries so every surface shows the same facts (and never a
person, restricted evidence or hidden text)."""

"""Documents that leave the room: PDF rendering (``pdf``), the facts read from the rows
(``facts``) and the scoped reads of stored documents (``selectors``). What they say is pure data
in boardsvc/domain/minutes.py; they are written by boardsvc/services/documents.py and sent by
boardsvc/services/deliveries.py."""

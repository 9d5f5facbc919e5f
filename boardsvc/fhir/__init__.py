"""FHIR R4 DocumentReference for the documents that leave the room (minutes, outcome records,
letters), mounted at /fhir/R4/ beside scheduling's facade (config/urls.py). boardsvc sits above
scheduling, so it may reuse the facade's view base and helpers."""

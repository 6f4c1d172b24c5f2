"""Reports: what the fleet played, how long boards were connected and the indicators a province
reports upward. Reads every domain below it; nothing below imports it."""

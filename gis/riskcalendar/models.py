"""The risk calendar's own days: school holidays, events and other days a municipality adds.

Public holidays, their eves and pay days are not stored: they come from the `holidays` library
and the pay-day rule each time (see :mod:`gis.riskcalendar.days`)."""

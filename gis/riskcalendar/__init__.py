"""The risk calendar of a municipality: public holidays and eves, school holidays, events and
pay days, and their historic effect on reports and incidents."""

"""Digital safety walks run as time-boxed campaigns: residents' anonymous points, avoided ways
and places and answers, moderated, summarised and exported."""

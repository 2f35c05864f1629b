"""Activities: recording one (/aktivitaet), changing one's own, the feed (/aktivitaeten) and the
digest."""

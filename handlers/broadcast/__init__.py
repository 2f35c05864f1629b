"""Broadcasts (/rundruf) and the news (/neuigkeiten): writing one, who confirmed it, older news."""

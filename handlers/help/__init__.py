"""What every chat needs beside the features: /hilfe, /abbrechen, commands in groups, and the
fallbacks for anything no feature took."""

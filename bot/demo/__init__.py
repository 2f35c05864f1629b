"""Demo data: a realistic initiative and a year of what happens in it (bot.demo.year), for the
year-in-the-life test, the benchmarks and the playground."""

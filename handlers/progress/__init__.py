"""Progress (/fortschritt): charts of the goals."""

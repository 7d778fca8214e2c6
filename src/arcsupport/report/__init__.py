"""Output formats. Each module renders an Assessment (or a versions listing) for one audience."""

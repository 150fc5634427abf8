"""Apprenticeship programs and skills frameworks: versioned documents loaded from program files."""

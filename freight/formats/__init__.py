"""Readers for published problem formats (DIMACS, TNTP, CVRPLIB/Solomon, linear MCF sets)."""

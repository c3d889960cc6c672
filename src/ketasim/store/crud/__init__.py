"""Persistence verbs of the clinic app; every function scopes its queries to the actor's site."""

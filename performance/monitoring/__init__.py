"""Monitoring (双监控): the pure rules of lights and of a project at a cut-off."""

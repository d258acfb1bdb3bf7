"""Deadline reminders: an hourly scan claims what is owed (ReminderLog) and sends it once.

service.py scans and claims, delivery.py sends one message (e-mail + in-app Notice), steps.py
says which step is due on a day, messages.py writes the Chinese text and the links.
"""

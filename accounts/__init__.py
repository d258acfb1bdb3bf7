"""Log in, log out and change one's password: Django's auth views with Chinese templates
(templates/registration/). Users, units and roles are managed in the admin."""

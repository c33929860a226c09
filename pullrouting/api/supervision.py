"""Supervisor (admin role) methods on conversations: list across lists, get, force-close."""


class SupervisorMethods:
    pass

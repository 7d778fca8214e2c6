"""`arcsupport webhook`: the admission guard served over HTTPS (server.py); its judgement is
engine/admission.py's, its reply report/admission.py's."""

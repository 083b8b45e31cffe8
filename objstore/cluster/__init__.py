"""Local test clusters the project starts itself.

``objstore cluster ceph|gluster up|down|status``.
"""

"""Private conversations between people PeerPath connects (a peer supporter and a patient), screened like posts."""

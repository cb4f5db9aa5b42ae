"""Evidence: files and links attached to a commitment, the checks a file must pass (its
content, not its name, decides its type) and where accepted files are stored."""

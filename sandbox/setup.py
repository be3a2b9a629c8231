from setuptools import find_packages, setup

setup(
    name="sandbox",
    version="0.1.0",
    description="Local emulators of Sage Intacct, Harvest and a generic time API over a seeded synthetic company",
    packages=find_packages(exclude=["tests", "tests.*"]),
    python_requires=">=3.11",
    install_requires=["lxml>=5", "requests>=2.31"],
    extras_require={"tests": ["pytest>=7,<8", "pytest-timeout>=2.3"]},
)

"""The answers of the metadata functions: `readUserFormatting`, `lookup` and `getDimensions`.

Shapes follow what the public extractors parse: Estuary's source-sage-intacct reads
``data/userformatting/{locale,dateformat,gmtoffset,clock}`` and ``data/Type/Fields/Field[ID,DATATYPE]``;
hotglue's tap-intacct reads ``data/dimensions/dimension[objectName,…]`` (its recorded getDimensions
exchange) and builds schemas from `lookup`, whose `Field` and `Relationship` children are documented at
developer.intacct.com/api/platform-services/objects.
"""

from __future__ import annotations

from lxml import etree

from sandbox.schema import Dataset

from . import formatting
from .envelope import Data, leaf
from .objects import SYSTEM_FIELDS, ObjectDefinition

# Fields that point at a record of another object: field → (object, the field of that object it holds).
_REFERENCES = {
    "ACCOUNTNO": ("GLACCOUNT", "ACCOUNTNO"), "JOURNAL": ("GLJOURNAL", "SYMBOL"),
    "DEPARTMENT": ("DEPARTMENT", "DEPARTMENTID"), "DEPARTMENTID": ("DEPARTMENT", "DEPARTMENTID"),
    "LOCATION": ("LOCATION", "LOCATIONID"), "LOCATIONID": ("LOCATION", "LOCATIONID"),
    "CLASSID": ("CLASS", "CLASSID"), "PROJECTID": ("PROJECT", "PROJECTID"),
    "CUSTOMERID": ("CUSTOMER", "CUSTOMERID"), "VENDORID": ("VENDOR", "VENDORID"),
    "EMPLOYEEID": ("EMPLOYEE", "EMPLOYEEID"), "MEGAENTITYID": ("LOCATION", "LOCATIONID"),
}
_PARENTS = {"GLENTRY": ("BATCHNO", "GLBATCH"), "GLDETAIL": ("BATCHKEY", "GLBATCH")}
# The standard dimensions of a GL line (getDimensions), in Intacct's order, with their GLENTRY field.
_STANDARD_DIMENSIONS = (("DEPARTMENT", "Department", "DEPARTMENT"), ("LOCATION", "Location", "LOCATION"),
                        ("PROJECT", "Project", "PROJECTID"), ("CUSTOMER", "Customer", "CUSTOMERID"),
                        ("VENDOR", "Vendor", "VENDORID"), ("EMPLOYEE", "Employee", "EMPLOYEEID"),
                        ("ITEM", "Item", "ITEMID"), ("CLASS", "Class", "CLASSID"))
_CUSTOM_DIMENSION_PREFIX = "GLDIM"


def user_formatting(user: formatting.UserFormatting) -> Data:
    formatting_node = etree.Element("userformatting")
    leaf(formatting_node, "locale", formatting.LOCALE)
    leaf(formatting_node, "dateformat", user.dateformat)
    leaf(formatting_node, "gmtoffset", user.gmtoffset)
    leaf(formatting_node, "clock", user.clock)
    return Data((formatting_node,))


def _relationships(dataset: Dataset) -> list[tuple[str, str, str, str]]:
    """(OBJECTPATH, OBJECTNAME, LABEL, RELATEDBY) of every many-to-one link of the object."""
    links = []
    parent = _PARENTS.get(dataset.object_name)
    if parent:
        links.append((parent[1], parent[1], "Journal entry", parent[0]))
    for column in dataset.columns:
        target = _REFERENCES.get(column.name)
        if column.custom and column.name.startswith(_CUSTOM_DIMENSION_PREFIX):
            target = (column.name.removeprefix(_CUSTOM_DIMENSION_PREFIX), "ID")
        if target and target[0] != dataset.object_name:
            links.append((column.name.removesuffix("ID") if column.name != "MEGAENTITYID" else "MEGAENTITY",
                          target[0], column.label, column.name))
    return links


def lookup(definition: ObjectDefinition) -> Data:
    """The object definition: every field with its type, and the relationships of its stored fields."""
    type_node = etree.Element("Type", Name=definition.name, DocumentType="")
    fields = etree.SubElement(type_node, "Fields")
    for object_field in definition.fields:
        column = object_field.column
        field = etree.SubElement(fields, "Field")
        leaf(field, "ID", column.name)
        leaf(field, "LABEL", column.label)
        leaf(field, "DESCRIPTION", column.label)
        leaf(field, "REQUIRED", "false")
        leaf(field, "READONLY", "true" if column.name in SYSTEM_FIELDS else "false")
        leaf(field, "DATATYPE", object_field.datatype)
        leaf(field, "ISCUSTOM", "true" if column.custom else "false")
    relationships = etree.SubElement(type_node, "Relationships")
    for path, object_name, label, related_by in _relationships(definition.dataset):
        relationship = etree.SubElement(relationships, "Relationship")
        leaf(relationship, "OBJECTPATH", path)
        leaf(relationship, "OBJECTNAME", object_name)
        leaf(relationship, "LABEL", label)
        leaf(relationship, "RELATIONSHIPTYPE", "MANY2ONE")
        leaf(relationship, "RELATEDBY", related_by)
    return Data((type_node,), attributes={"listtype": "All", "count": "1"})


def dimensions(gl_lines: Dataset) -> Data:
    """The standard dimensions and the user-defined ones (the GLDIM* custom fields of GL lines)."""
    node = etree.Element("dimensions")
    fields = {column.name for column in gl_lines.columns}
    entries = [(name, label, False, field in fields) for name, label, field in _STANDARD_DIMENSIONS]
    entries += [(column.name.removeprefix(_CUSTOM_DIMENSION_PREFIX), column.label, True, True)
                for column in gl_lines.columns if column.custom and column.name.startswith(_CUSTOM_DIMENSION_PREFIX)]
    for name, label, user_defined, in_gl in entries:
        dimension = etree.SubElement(node, "dimension")
        leaf(dimension, "objectName", name)
        leaf(dimension, "objectLabel", label)
        leaf(dimension, "termLabel", label)
        leaf(dimension, "userDefinedDimension", "true" if user_defined else "false")
        leaf(dimension, "enabledInGL", "true" if in_gl else "false")
    return Data((node,))

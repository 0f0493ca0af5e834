<?xml version="1.0" encoding="UTF-8"?>
<!-- The project's own view of define.xml (exports.define_xml) for a reviewer's browser: the
     standards, the datasets, each dataset's variables, value-level metadata, code lists,
     methods and comments as HTML tables. XSLT 1.0, no script, no external resource. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:odm="http://www.cdisc.org/ns/odm/v1.3"
                xmlns:def="http://www.cdisc.org/ns/def/v2.1"
                xmlns:xlink="http://www.w3.org/1999/xlink"
                exclude-result-prefixes="odm def xlink">
  <xsl:output method="html" encoding="UTF-8" indent="yes"/>
  <xsl:key name="item" match="odm:ItemDef" use="@OID"/>
  <xsl:key name="codelist" match="odm:CodeList" use="@OID"/>
  <xsl:key name="method" match="odm:MethodDef" use="@OID"/>
  <xsl:key name="comment" match="def:CommentDef" use="@OID"/>
  <xsl:key name="valuelist" match="def:ValueListDef" use="@OID"/>
  <xsl:key name="where" match="def:WhereClauseDef" use="@OID"/>

  <xsl:variable name="mdv" select="/odm:ODM/odm:Study/odm:MetaDataVersion"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="UTF-8"/>
        <title>Define-XML: <xsl:value-of select="/odm:ODM/odm:Study/odm:GlobalVariables/odm:StudyName"/></title>
        <style>
          body { font-family: sans-serif; font-size: 0.9em; margin: 1em 2em; }
          table { border-collapse: collapse; margin-bottom: 1.5em; }
          th, td { border: 1px solid #999; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
          th { background: #e8e8e8; }
          caption { font-weight: bold; text-align: left; padding: 0.3em 0; }
        </style>
      </head>
      <body>
        <h1><xsl:value-of select="/odm:ODM/odm:Study/odm:GlobalVariables/odm:StudyName"/>:
          <xsl:value-of select="$mdv/@Name"/></h1>
        <p><xsl:value-of select="/odm:ODM/odm:Study/odm:GlobalVariables/odm:StudyDescription"/></p>
        <p>Define-XML <xsl:value-of select="$mdv/@def:DefineVersion"/>, created
          <xsl:value-of select="/odm:ODM/@CreationDateTime"/>.</p>

        <table id="standards">
          <caption>Standards</caption>
          <tr><th>Name</th><th>Type</th><th>Version</th><th>Status</th></tr>
          <xsl:for-each select="$mdv/def:Standards/def:Standard">
            <tr><td><xsl:value-of select="@Name"/></td><td><xsl:value-of select="@Type"/></td>
              <td><xsl:value-of select="@Version"/></td><td><xsl:value-of select="@Status"/></td></tr>
          </xsl:for-each>
        </table>

        <table id="datasets">
          <caption>Datasets</caption>
          <tr><th>Dataset</th><th>Description</th><th>Class</th><th>Structure</th><th>Keys</th>
            <th>Location</th></tr>
          <xsl:for-each select="$mdv/odm:ItemGroupDef">
            <tr class="dataset">
              <td><a href="#{@OID}"><xsl:value-of select="@Name"/></a></td>
              <td><xsl:value-of select="odm:Description/odm:TranslatedText"/>
                <xsl:if test="@def:HasNoData = 'Yes'"> (no records)</xsl:if></td>
              <td><xsl:value-of select="def:Class/@Name"/></td>
              <td><xsl:value-of select="@def:Structure"/></td>
              <td>
                <xsl:for-each select="odm:ItemRef[@KeySequence]">
                  <xsl:sort select="@KeySequence" data-type="number"/>
                  <xsl:value-of select="key('item', @ItemOID)/@Name"/>
                  <xsl:if test="position() != last()">, </xsl:if>
                </xsl:for-each>
              </td>
              <td><a href="{def:leaf/@xlink:href}"><xsl:value-of select="def:leaf/def:title"/></a></td>
            </tr>
          </xsl:for-each>
        </table>

        <xsl:for-each select="$mdv/odm:ItemGroupDef">
          <table id="{@OID}" class="variables">
            <caption><xsl:value-of select="@Name"/> (<xsl:value-of
              select="odm:Description/odm:TranslatedText"/>)<xsl:if test="@def:CommentOID">:
              <xsl:value-of select="key('comment', @def:CommentOID)/odm:Description/odm:TranslatedText"/>
            </xsl:if></caption>
            <tr><th>Variable</th><th>Label</th><th>Type</th><th>Length</th><th>Mandatory</th>
              <th>Controlled terms</th><th>Origin</th><th>Derivation / comment</th></tr>
            <xsl:for-each select="odm:ItemRef">
              <xsl:variable name="item" select="key('item', @ItemOID)"/>
              <tr>
                <td><xsl:value-of select="$item/@Name"/></td>
                <td><xsl:value-of select="$item/odm:Description/odm:TranslatedText"/></td>
                <td><xsl:value-of select="$item/@DataType"/></td>
                <td><xsl:value-of select="$item/@Length"/></td>
                <td><xsl:value-of select="@Mandatory"/></td>
                <td>
                  <xsl:if test="$item/odm:CodeListRef">
                    <a href="#{$item/odm:CodeListRef/@CodeListOID}"><xsl:value-of
                      select="key('codelist', $item/odm:CodeListRef/@CodeListOID)/@Name"/></a>
                  </xsl:if>
                  <xsl:if test="$item/def:ValueListRef">
                    <a href="#{$item/def:ValueListRef/@ValueListOID}">value-level metadata</a>
                  </xsl:if>
                </td>
                <td><xsl:value-of select="$item/def:Origin/@Type"/></td>
                <td>
                  <xsl:value-of select="key('method', @MethodOID)/odm:Description/odm:TranslatedText"/>
                  <xsl:value-of select="key('comment', $item/@def:CommentOID)/odm:Description/odm:TranslatedText"/>
                </td>
              </tr>
            </xsl:for-each>
          </table>
        </xsl:for-each>

        <xsl:for-each select="$mdv/def:ValueListDef">
          <table id="{@OID}" class="valuelist">
            <caption>Value-level metadata: <xsl:value-of select="@OID"/></caption>
            <tr><th>Where</th><th>Variable</th><th>Description</th><th>Type</th><th>Length</th>
              <th>Origin</th></tr>
            <xsl:for-each select="odm:ItemRef">
              <xsl:variable name="item" select="key('item', @ItemOID)"/>
              <tr>
                <td>
                  <xsl:for-each select="key('where', def:WhereClauseRef/@WhereClauseOID)/odm:RangeCheck">
                    <xsl:value-of select="key('item', @def:ItemOID)/@Name"/> =
                    <xsl:value-of select="odm:CheckValue"/>
                    <xsl:if test="position() != last()"> and </xsl:if>
                  </xsl:for-each>
                </td>
                <td><xsl:value-of select="$item/@Name"/></td>
                <td><xsl:value-of select="$item/odm:Description/odm:TranslatedText"/></td>
                <td><xsl:value-of select="$item/@DataType"/></td>
                <td><xsl:value-of select="$item/@Length"/></td>
                <td><xsl:value-of select="$item/def:Origin/@Type"/></td>
              </tr>
            </xsl:for-each>
          </table>
        </xsl:for-each>

        <xsl:for-each select="$mdv/odm:CodeList">
          <table id="{@OID}" class="codelist">
            <caption>Code list: <xsl:value-of select="@Name"/>
              <xsl:if test="odm:Alias"> (<xsl:value-of select="odm:Alias/@Name"/>)</xsl:if>.
              <xsl:value-of select="odm:Description/odm:TranslatedText"/></caption>
            <tr><th>Term</th><th>NCI code</th></tr>
            <xsl:for-each select="odm:EnumeratedItem | odm:CodeListItem">
              <tr><td><xsl:value-of select="@CodedValue"/><xsl:if
                test="odm:Decode"> (<xsl:value-of select="odm:Decode/odm:TranslatedText"/>)</xsl:if><xsl:if
                test="@def:ExtendedValue = 'Yes'"> (sponsor extension)</xsl:if></td>
                <td><xsl:value-of select="odm:Alias/@Name"/></td></tr>
            </xsl:for-each>
            <xsl:for-each select="odm:ExternalCodeList">
              <tr><td colspan="2"><xsl:value-of select="@Dictionary"/>, version
                <xsl:value-of select="@Version"/></td></tr>
            </xsl:for-each>
          </table>
        </xsl:for-each>

        <table id="methods">
          <caption>Methods</caption>
          <tr><th>Method</th><th>Type</th><th>Description</th></tr>
          <xsl:for-each select="$mdv/odm:MethodDef">
            <tr><td><xsl:value-of select="@Name"/></td><td><xsl:value-of select="@Type"/></td>
              <td><xsl:value-of select="odm:Description/odm:TranslatedText"/></td></tr>
          </xsl:for-each>
        </table>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
